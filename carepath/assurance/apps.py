from django.apps import AppConfig


class AssuranceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "carepath.assurance"
    label = "assurance"
    verbose_name = "Practice assurance: case audits, moderation and supervision"
