"""Kept apart from the models so that manage.py can name a source before Django is set up."""

from django.db import models


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"
    DENIED = "denied", "Denied"


class Source(models.TextChoices):
    """Which door the event came through."""

    WEB = "web", "Web page"
    API = "api", "API"
    COMMAND = "command", "Command"
    SYSTEM = "system", "System"
