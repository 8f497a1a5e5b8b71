from django.contrib import admin

from commonground.lib.admin import AuditedAdmin, ReadOnlyInline
from commonground.roster.models import Agency, Assignment, District, Officer, Unit


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ["name", "short_name", "jurisdiction", "suppression_threshold"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "agency", "population"]
    list_filter = ["agency"]
    search_fields = ["code", "name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "district", "parent"]
    list_filter = ["agency", "district"]
    search_fields = ["name"]


class AssignmentInline(ReadOnlyInline):
    model = Assignment
    fields = ["unit", "rank", "started_on", "ended_on"]
    # History is written by roster.actions.assign_officer; the admin shows it.


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "badge_number", "rank", "unit", "status"]
    list_filter = ["status", "rank", "unit"]
    search_fields = ["last_name", "first_name", "badge_number"]
    readonly_fields = ["unit", "rank"]
    inlines = [AssignmentInline]
