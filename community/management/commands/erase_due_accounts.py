"""Erase the accounts whose 7 days of grace are over; the worker's schedule (or cron) runs it."""

from typing import Any

from django.core.management.base import BaseCommand

from community.erasure import erase_due_accounts


class Command(BaseCommand):
    help = "Erase every account whose deletion was asked for more than 7 days ago."

    def handle(self, *args: Any, **options: Any) -> None:
        erased = erase_due_accounts()
        self.stdout.write(f"Erased {erased} account(s).")
