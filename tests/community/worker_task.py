"""A task for the worker test: proves a queued job really runs in `manage.py db_worker`."""

from pathlib import Path

from django.tasks import task


@task
def write_marker(path: str, text: str) -> str:
    """Write `text` to `path`."""
    Path(path).write_text(text)
    return text
