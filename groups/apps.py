from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Groups"

    def ready(self) -> None:
        from community import personal_data
        from groups import signals  # noqa: F401 (connects the receivers)
        from groups.actions import erasure
        from groups.personal_data import SECTIONS

        for name, reader in SECTIONS.items():
            personal_data.register_section(name, reader)
        personal_data.register_eraser(erasure.erase_person)
        personal_data.register_warning(erasure.last_facilitator_of)
