from django.apps import AppConfig


class PublishConfig(AppConfig):
    name = "commonground.publish"
    verbose_name = "Publishing"
