from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "commonground.audit"
    label = "audit"
