from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commonground.lib.i18n import Worded, in_current_language, in_readers_language


class PolicyCategory(models.TextChoices):
    USE_OF_FORCE = "use_of_force", _("Use of force")
    STOPS = "stops", _("Stops, searches and arrests")
    CONDUCT = "conduct", _("Conduct and ethics")
    COMPLAINTS = "complaints", _("Complaints and discipline")
    COMMUNITY = "community", _("Community relations")
    RECORDS = "records", _("Body cameras, evidence and records")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


class Policy(models.Model):
    """A policy or procedure of the agency, known by its number; its words are in versions."""

    number = models.CharField(max_length=30, unique=True)
    slug = models.SlugField(max_length=40, unique=True)
    category = models.CharField(max_length=20, choices=PolicyCategory.choices)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Set by commonground.training.actions.retire_policy: its versions stay readable.
    retired_on = models.DateField(null=True, blank=True)
    retired_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name_plural = "policies"

    def __str__(self):
        return self.number


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class PolicyVersion(models.Model):
    """One wording of a policy. Published versions never change: a change is a new version."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField()
    # {"en": "...", "es": "..."}: every language the agency publishes in.
    titles = models.JSONField(default=dict)
    texts = models.JSONField(default=dict)
    changes = models.JSONField(default=dict)
    effective_on = models.DateField()
    # The signed original, when there is one (a PDF).
    pdf = models.FileField(upload_to="policies/", blank=True, max_length=200)
    pdf_name = models.CharField(max_length=255, blank=True)
    # Changed only by commonground.training.actions.publish_version.
    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Number, titles and texts in every language, lower-cased: what the library's search reads.
    search_text = models.TextField(blank=True)

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_version_once")
        ]

    def __str__(self):
        return f"{self.policy.number} v{self.number}"

    @property
    def title(self) -> str:
        return in_current_language(self.titles)

    @property
    def text(self) -> str:
        return in_current_language(self.texts, fallback="")

    @property
    def what_changed(self) -> str:
        return in_current_language(self.changes, fallback="")

    # As shown to the reader: their language if written in it, else the original, marked.
    @property
    def title_shown(self) -> Worded:
        return in_readers_language(self.titles)

    @property
    def text_shown(self) -> Worded:
        return in_readers_language(self.texts)

    @property
    def changes_shown(self) -> Worded:
        return in_readers_language(self.changes)

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def in_force_from_today(self) -> bool:
        return not self.is_draft and self.effective_on <= timezone.localdate()
