from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Community"

    def ready(self) -> None:
        from community import erasure, exports  # noqa: F401 (receivers; downloads' sections)
