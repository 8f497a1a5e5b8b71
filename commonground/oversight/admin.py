from django.contrib import admin

from commonground.lib.admin import ReadOnlyAdmin, ReadOnlyInline
from commonground.oversight.models import (
    AgencyDecision,
    CaseReview,
    DisciplineLevel,
    FinalDiscipline,
    Meeting,
    Recommendation,
    Vote,
)


@admin.register(DisciplineLevel)
class DisciplineLevelAdmin(admin.ModelAdmin):
    """The discipline ladder is configurable here. A level in use cannot be deleted (the
    recommendations and decisions keep it); retire it by unticking `active` instead."""

    list_display = ["code", "name", "rank", "takes_days", "max_days", "active"]
    list_editable = ["rank", "active"]
    list_filter = ["active", "takes_days"]
    search_fields = ["code"]
    ordering = ["rank"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "starts_at", "status", "place"]
    list_filter = ["status"]
    date_hierarchy = "starts_at"
    fields = [
        "title",
        "starts_at",
        "place",
        "how_to_attend",
        "agenda_summary",
        "status",
        "created_by",
    ]
    readonly_fields = fields


class VoteInline(ReadOnlyInline):
    model = Vote
    fields = ["member", "choice", "cast_at"]


class RecommendationInline(ReadOnlyInline):
    model = Recommendation
    fields = ["allegation", "finding", "discipline", "days"]


@admin.register(CaseReview)
class CaseReviewAdmin(ReadOnlyAdmin):
    """Read-only: reviews change only through oversight.actions, so every change is audited.
    Recusal reasons and the board's notes stay on the board's own pages."""

    list_display = ["case", "meeting", "position", "opened_at", "closed_at", "result"]
    list_filter = ["result", "meeting"]
    fields = ["case", "meeting", "position", "opened_at", "closed_at", "result"]
    readonly_fields = fields
    inlines = [VoteInline, RecommendationInline]


class FinalDisciplineInline(ReadOnlyInline):
    model = FinalDiscipline
    fields = ["allegation", "finding", "discipline", "days", "concurs_with_board"]


@admin.register(AgencyDecision)
class AgencyDecisionAdmin(ReadOnlyAdmin):
    list_display = ["case", "decided_by", "decided_at", "concurs_with_board"]
    list_filter = ["concurs_with_board"]
    date_hierarchy = "decided_at"
    fields = ["case", "decided_by", "decided_at", "concurs_with_board"]
    readonly_fields = fields
    inlines = [FinalDisciplineInline]
