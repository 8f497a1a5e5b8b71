from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "commonground.web"
    label = "web"

    def ready(self):
        from commonground.web import checks  # noqa: F401 (registers the settings' checks)
