from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "carepath.legal"
    label = "legal"
    verbose_name = "Legal pathway"
