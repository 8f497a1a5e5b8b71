from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from commonground.complaints.models import Finding
from commonground.lib.i18n import in_current_language


class DisciplineLevel(models.Model):
    """One rung of the discipline ladder, kept by administrators."""

    code = models.SlugField(max_length=40, unique=True)
    # {"en": "...", "es": "..."}: one name per language; English is the fallback.
    names = models.JSONField(default=dict)
    # Lower is lighter; recommendations list the ladder in this order.
    rank = models.PositiveSmallIntegerField()
    takes_days = models.BooleanField(default=False, help_text=_("A number of days goes with it."))
    max_days = models.PositiveSmallIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["rank"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return in_current_language(self.names, fallback=self.code)


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(models.Model):
    """A board meeting. Written by oversight.actions.

    Board meetings are open to the public: `starts_at`, `place`, `how_to_attend` and
    `agenda_summary` are published (publish.surfaces, "board meetings"); the title is not."""

    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    # Where the public attends: an address and a room, or a video link.
    place = models.CharField(max_length=300, blank=True)
    how_to_attend = models.TextField(blank=True)
    # What the meeting will cover, in plain words, without naming anyone or any case.
    agenda_summary = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self):
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"


class ReviewResult(models.TextChoices):
    CONCUR = "concur", _("The board concurs with the investigation's findings")
    DO_NOT_CONCUR = "do_not_concur", _("The board does not concur with the findings")
    MORE_INVESTIGATION = "more_investigation", _("The board asked for more investigation")


class CaseReview(models.Model):
    """A case on a meeting's agenda: the board's review, votes and recommendation.

    Open while `closed_at` is empty; written by oversight.actions only."""

    case = models.ForeignKey(
        "investigations.Case", on_delete=models.PROTECT, related_name="board_reviews"
    )
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="reviews")
    position = models.PositiveSmallIntegerField(default=0)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=20, choices=ReviewResult.choices, blank=True)
    # What the board asked for when it sent the case back, or its reasons when it did not concur.
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["meeting", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(closed_at__isnull=True), name="one_open_review"
            )
        ]

    def __str__(self):
        return f"Review of {self.case} at {self.meeting}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Recusal(models.Model):
    review = models.ForeignKey(CaseReview, on_delete=models.CASCADE, related_name="recusals")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    declared_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "member"], name="one_recusal_per_member")
        ]

    def __str__(self):
        return f"{self.member} recused from {self.review}"


class VoteChoice(models.TextChoices):
    CONCUR = "concur", _("Concur")
    DO_NOT_CONCUR = "do_not_concur", _("Do not concur")
    ABSTAIN = "abstain", _("Abstain")


class Vote(models.Model):
    """A member's vote on whether the board concurs with the investigation's findings."""

    review = models.ForeignKey(CaseReview, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=20, choices=VoteChoice.choices)
    cast_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "member"], name="one_vote_per_member")
        ]

    def __str__(self):
        return f"{self.member}: {self.choice}"


class Recommendation(models.Model):
    """The board's recommended finding and discipline on one allegation."""

    review = models.ForeignKey(CaseReview, on_delete=models.CASCADE, related_name="recommendations")
    allegation = models.ForeignKey(
        "complaints.Allegation", on_delete=models.CASCADE, related_name="board_recommendations"
    )
    finding = models.CharField(max_length=30, choices=Finding.choices)
    discipline = models.ForeignKey(DisciplineLevel, on_delete=models.PROTECT, related_name="+")
    days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "allegation"], name="one_recommendation_per_allegation"
            )
        ]

    def __str__(self):
        return f"{self.get_finding_display()} / {self.discipline}"


class AgencyDecision(models.Model):
    """The agency head's response to the board: final finding and discipline per allegation."""

    case = models.OneToOneField(
        "investigations.Case", on_delete=models.PROTECT, related_name="agency_decision"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    # True when every final finding and discipline matches the board's recommendation.
    concurs_with_board = models.BooleanField()
    explanation = models.TextField(blank=True)

    def __str__(self):
        return f"Decision on {self.case}"


class FinalDiscipline(models.Model):
    decision = models.ForeignKey(AgencyDecision, on_delete=models.CASCADE, related_name="lines")
    allegation = models.OneToOneField(
        "complaints.Allegation", on_delete=models.CASCADE, related_name="final_discipline"
    )
    finding = models.CharField(max_length=30, choices=Finding.choices)
    discipline = models.ForeignKey(DisciplineLevel, on_delete=models.PROTECT, related_name="+")
    days = models.PositiveSmallIntegerField(null=True, blank=True)
    concurs_with_board = models.BooleanField()

    def __str__(self):
        return f"{self.get_finding_display()} / {self.discipline}"
