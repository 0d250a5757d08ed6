from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from community import navigation, personal_data
        from groups import session_records
        from moderation import selectors, signals  # noqa: F401 (connects the receivers)
        from moderation.personal_data import SECTIONS, erase_person

        navigation.register(selectors.navigation)  # the safety queue's counts
        session_records.register_raised(selectors.raised_in_session)  # a session's record

        for name, reader in SECTIONS.items():
            personal_data.register_section(name, reader)
        personal_data.register_eraser(erase_person)
