"""Turning typed names into tag rows (group topics and resource tags alike)."""

from collections.abc import Iterable

from django.db.models import Model
from django.utils.text import slugify

MAX_TAGS = 8


def tags_named[T: Model](model: type[T], names: Iterable[str]) -> list[T]:
    """Get or create one `model` row (name, slug) per distinct name, at most MAX_TAGS."""
    tags: dict[str, T] = {}
    for raw in names:
        name = " ".join(str(raw).split())[:40]
        slug = slugify(name, allow_unicode=True)[:40]
        if slug and slug not in tags:
            tags[slug] = model._default_manager.get_or_create(slug=slug, defaults={"name": name})[0]
        if len(tags) == MAX_TAGS:
            break
    return list(tags.values())
