from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReleaseStatus(models.TextChoices):
    BUILDING = "building", _("Being built")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")


class Release(models.Model):
    """One build of every public dataset. Pages, API counts and bulk files read the latest
    published release, so they agree with each other and say when their figures were made."""

    # Changed only by commonground.publish.actions.build_release.
    status = models.CharField(
        max_length=20, choices=ReleaseStatus.choices, default=ReleaseStatus.BUILDING
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The disclosure settings the release was built under, for anyone checking it later.
    threshold = models.PositiveSmallIntegerField()
    officer_data = models.BooleanField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"Release {self.pk} ({self.get_status_display()})"


class ReleaseFile(models.Model):
    """One dataset of a release, stored as Parquet; CSV and JSON are streamed from it."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="files")
    dataset = models.CharField(max_length=60)
    name = models.CharField(max_length=255)
    rows = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "dataset"], name="one_file_per_dataset")
        ]

    def __str__(self):
        return f"{self.dataset} ({self.rows} rows)"
