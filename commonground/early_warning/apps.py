from django.apps import AppConfig


class EarlyWarningConfig(AppConfig):
    name = "commonground.early_warning"
    verbose_name = "Early intervention"
