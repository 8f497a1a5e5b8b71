from django.apps import AppConfig


class StopsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "commonground.stops"
    verbose_name = "Stops and use of force"
