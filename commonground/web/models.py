from django.db import models


class RateLimitCounter(models.Model):
    """One fixed window's count for one keyed-hashed identity (never a raw address).

    Written only by commonground.web.ratelimit with one atomic upsert, so concurrent requests in
    any number of processes count exactly."""

    key = models.CharField(max_length=160, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.count}"


class ScheduledRun(models.Model):
    """A daily task enqueued for one local day; the unique pair makes every scheduler process
    agree that it runs once."""

    task = models.CharField(max_length=200)
    day = models.DateField()
    enqueued_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "day"], name="one_run_per_day")]

    def __str__(self):
        return f"{self.task} on {self.day}"
