from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from community import navigation
        from moderation import selectors, signals  # noqa: F401 (connects the receivers)

        navigation.register(selectors.navigation)  # the safety queue's counts
