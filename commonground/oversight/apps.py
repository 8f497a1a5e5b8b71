from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "commonground.oversight"
    label = "oversight"
