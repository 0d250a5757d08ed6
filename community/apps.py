from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Community"

    def ready(self) -> None:
        from community import exports  # noqa: F401 (adds the profile and notes to downloads)
