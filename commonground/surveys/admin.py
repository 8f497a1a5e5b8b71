"""Surveys change through the staff pages' actions, which audit them; the admin shows them.
Population margins are configuration an administrator may keep here (audited)."""

from django.contrib import admin

from commonground.lib.admin import AuditedAdmin, ReadOnlyAdmin
from commonground.surveys import models


@admin.register(models.Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ["slug", "__str__", "min_effective_n", "created_at"]


@admin.register(models.Instrument)
class InstrumentAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "survey", "name", "version", "default_language", "created_at"]
    list_filter = ["survey"]


@admin.register(models.Wave)
class WaveAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "instrument", "opens_on", "closes_on", "status", "open_link"]
    list_filter = ["survey", "status"]


@admin.register(models.Sample)
class SampleAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "seed", "drawn_at", "drawn_by"]
    list_filter = ["kind"]


@admin.register(models.PhoneCase)
class PhoneCaseAdmin(ReadOnlyAdmin):
    # The phone number is never listed: interviewers read it one case at a time.
    list_display = ["pk", "wave", "district", "language", "status", "disposition", "attempts"]
    list_filter = ["wave", "status", "disposition"]
    exclude = ["phone"]


@admin.register(models.WeightingRun)
class WeightingRunAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "ran_at", "ran_by"]


@admin.register(models.PopulationMargin)
class PopulationMarginAdmin(AuditedAdmin):
    list_display = ["district", "variable", "category", "population", "source", "year"]
    list_filter = ["variable", "district"]


@admin.register(models.FocusGroup)
class FocusGroupAdmin(ReadOnlyAdmin):
    list_display = ["title", "survey", "held_on", "facilitator"]
    exclude = ["notes"]


@admin.register(models.Theme)
class ThemeAdmin(ReadOnlyAdmin):
    list_display = ["code", "survey", "__str__"]
