"""Calls and letters staff make for residents who chose phone or post as their contact.

A resident who chose e-mail is e-mailed at each milestone; for one who chose phone or post the
same words become a `ContactTask` in the staff queue, tracked until it is done. The words are
kept as they were when the milestone was reached (no contact details: those stay in the
report's encrypted contact and are read only when the task is opened)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from commonground.complaints.models import Milestone, NoticeKind

# A task not done within this many working days of being raised is shown as overdue.
DUE_WORKING_DAYS = 3
# After this many unanswered calls the task is closed as "could not reach".
MAX_CALL_ATTEMPTS = 3


class TaskKind(models.TextChoices):
    CALL = "call", _("Call")
    LETTER = "letter", _("Letter")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    UNREACHABLE = "unreachable", _("Could not reach")
    RETURNED = "returned", _("Letter returned")


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("Reached the resident")
    LEFT_MESSAGE = "left_message", _("Left a message")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class ContactTask(models.Model):
    """One call to make or one letter to print and post, about one milestone of one report."""

    kind = models.CharField(max_length=10, choices=TaskKind.choices)
    report = models.ForeignKey(
        "complaints.Report", on_delete=models.CASCADE, related_name="contact_tasks"
    )
    notice = models.CharField(max_length=20, choices=NoticeKind.choices)
    milestone = models.CharField(max_length=20, choices=Milestone.choices, blank=True)
    language = models.CharField(max_length=8)
    # The same words the e-mail would have carried, in the resident's language.
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField()
    due_on = models.DateField()
    # Changed only by the actions in commonground.correspondence.actions.
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    # Letters: when the PDF was first downloaded to print (an audited read).
    printed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contact_tasks_done",
    )
    note = models.TextField(blank=True)
    # A letter raised because a call reached nobody, or a call because a letter came back.
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )

    class Meta:
        ordering = ["due_on", "created_at", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.report.reference} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN


class CallAttempt(models.Model):
    task = models.ForeignKey(ContactTask, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="call_attempts"
    )
    outcome = models.CharField(max_length=20, choices=CallOutcome.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_outcome_display()} at {self.at:%Y-%m-%d %H:%M}"
