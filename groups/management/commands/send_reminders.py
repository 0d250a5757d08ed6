"""Ask the worker to send the reminders now due; the compose file runs this each minute."""

from typing import Any

from django.core.management.base import BaseCommand

from groups.reminders import send_due_reminders


class Command(BaseCommand):
    help = "Enqueue the task that reminds members of sessions starting soon."

    def handle(self, *args: Any, **options: Any) -> None:
        result = send_due_reminders.enqueue()
        self.stdout.write(f"Enqueued reminders ({result.status}).")
