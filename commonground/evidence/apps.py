from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "commonground.evidence"
    label = "evidence"
