from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "commonground.surveys"
    label = "surveys"
    verbose_name = "Community surveys"
