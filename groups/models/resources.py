"""Shared resources: a library for each group and one for the whole community."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models.groups import Group, Tag


class ResourceKind(models.TextChoices):
    ARTICLE = "article", _("Something to read")
    EXERCISE = "exercise", _("Something to try")
    WORKSHEET = "worksheet", _("A worksheet")
    LINK = "link", _("A helpful link")
    SERVICE = "service", _("A local service")


class ResourceStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    SUGGESTED = "suggested", _("Suggested by a member")
    ARCHIVED = "archived", _("Archived")


class ResourceTag(Tag):
    pass


class Resource(models.Model):
    """Something that helped: written safely, found easily. `group` empty = community-wide."""

    title = models.CharField(max_length=120)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(max_length=10000, blank=True)
    body_html = models.TextField(blank=True, editable=False)
    link = models.URLField(max_length=500, blank=True)
    link_domain = models.CharField(max_length=200, blank=True, editable=False)
    kind = models.CharField(
        max_length=10, choices=ResourceKind.choices, default=ResourceKind.ARTICLE
    )
    tags = models.ManyToManyField(ResourceTag, blank=True, related_name="resources")
    # Hard themes it touches on: named to everyone, folded for those who avoid them.
    themes = models.ManyToManyField("community.Theme", blank=True, related_name="resources")
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.CASCADE, related_name="resources"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    pinned = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=ResourceStatus.choices, default=ResourceStatus.PUBLISHED
    )
    helped_count = models.PositiveIntegerField(default=0)
    # Set for showing by `selectors.fold_for`: the themes named, and folded for this reader.
    theme_names: str = ""
    folded: bool = False
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pinned", "-created_at"]
        indexes = [models.Index(fields=["group", "status", "-pinned", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        if self.group is None:
            return reverse("resources:detail", args=[self.pk])
        return reverse("groups:resource", args=[self.group.slug, self.pk])


class ResourceHelped(models.Model):
    """One person said "this helped me". Counted, never listed."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="helped")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "user"], name="helped_once_per_person")
        ]

    def __str__(self) -> str:
        return f"Helped {self.resource_id}"
