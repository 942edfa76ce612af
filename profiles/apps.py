from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "Compliance profiles"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
