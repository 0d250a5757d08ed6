"""Helpers of the permission matrices (tests/groups/, tests/resources/): every page
asked by every role, each request inside a transaction that is rolled back."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.test import Client

from tests.html import unmasked, unmasked_headers


@contextmanager
def rolled_back() -> Iterator[None]:
    """Whatever the block writes is undone when it ends."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def request_page(client: Client, page: Any, path: str, world: Any) -> Any:
    """Ask `path` with the page's method and, if it has any, its data for `world`."""
    data = page.data(world) if page.data else {}
    return getattr(client, page.method)(path, data)


def assert_looks_missing(response: Any, missing: Any) -> None:
    """A denial answers exactly as the same page of a missing group does (`missing`)."""
    assert missing.status_code == 404
    assert unmasked(response.content) == unmasked(missing.content), (
        "a denial must look like a missing group"
    )
    assert unmasked_headers(response) == unmasked_headers(missing)
