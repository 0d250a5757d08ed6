from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from community import navigation, personal_data
        from groups import frame_handlers, session_records
        from groups import screening as groups_screening
        from moderation import (
            room_frames,
            screening,
            selectors,
            signals,  # noqa: F401 (connects the receivers)
        )
        from moderation.actions import reports
        from moderation.personal_data import SECTIONS, erase_person

        # The safety queue's counts, read only for those who moderate.
        navigation.register(selectors.navigation)
        navigation.register(selectors.queue_numbers, when="moderates", otherwise=selectors.NO_QUEUE)
        session_records.register_raised(selectors.raised_in_session)  # a session's record
        # The chat write path's screening: matching here, what a verdict does in actions.
        groups_screening.register(
            groups_screening.Screener(
                screen=screening.screen_in,
                after_store=reports.after_store,
                crisis_in_words=reports.crisis_in_words,
            )
        )
        frame_handlers.register(room_frames.HANDLERS)  # reports, worries, moderating

        for name, reader in SECTIONS.items():
            personal_data.register_section(name, reader)
        personal_data.register_eraser(erase_person)
