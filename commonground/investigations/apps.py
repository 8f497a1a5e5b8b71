from django.apps import AppConfig


class InvestigationsConfig(AppConfig):
    name = "commonground.investigations"
    label = "investigations"
