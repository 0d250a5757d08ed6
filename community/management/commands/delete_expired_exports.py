"""Delete downloads past their seven days; the worker's schedule (or cron) runs it."""

from typing import Any

from django.core.management.base import BaseCommand

from community.exports import delete_expired


class Command(BaseCommand):
    help = "Delete every 'Download my data' file older than its 7 days."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = delete_expired()
        self.stdout.write(f"Deleted {deleted} expired download(s).")
