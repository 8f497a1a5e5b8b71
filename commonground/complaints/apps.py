from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "commonground.complaints"
    label = "complaints"
