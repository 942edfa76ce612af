from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "Compliance profiles"

    def ready(self):
        """Register the system checks, and the Celery tasks in every process:
        services send tasks by name (profiles/queueing.py), which the app must know."""
        from . import checks, tasks  # noqa: F401
