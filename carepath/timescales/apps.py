from django.apps import AppConfig


class TimescalesConfig(AppConfig):
    name = "carepath.timescales"
    label = "timescales"
    verbose_name = "Timescales"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from carepath.core.events import subscribe_to_child_changes

        from .services import child_clocks_refresh_by_id

        subscribe_to_child_changes(child_clocks_refresh_by_id)
