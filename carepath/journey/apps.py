from django.apps import AppConfig


class JourneyConfig(AppConfig):
    name = "carepath.journey"
    label = "journey"
    verbose_name = "The child's journey"
