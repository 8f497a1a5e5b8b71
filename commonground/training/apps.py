from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "commonground.training"
    verbose_name = "Training and policies"
