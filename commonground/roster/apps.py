from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "commonground.roster"
    label = "roster"
