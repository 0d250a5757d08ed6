"""Groups and who belongs to them."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

SLUG_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_slug() -> str:
    # Opaque on purpose: a group's address must not say what it is about.
    return "".join(secrets.choice(SLUG_ALPHABET) for __ in range(10))


def new_invite_token() -> str:
    return secrets.token_urlsafe(18)


class JoinPolicy(models.TextChoices):
    OPEN = "open", _("Open: anyone may join")
    REQUEST = "request", _("By request: a facilitator says yes")
    INVITE = "invite", _("By invitation link only")


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    FACILITATOR = "facilitator", _("Facilitator")


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("membership status", "Active")
    LEFT = "left", pgettext_lazy("membership status", "Left")
    REMOVED = "removed", pgettext_lazy("membership status", "Removed")
    BANNED = "banned", pgettext_lazy("membership status", "Banned")


class RequestStatus(models.TextChoices):
    # Translators: a request to join that nobody has answered yet.
    PENDING = "pending", pgettext_lazy("join request status", "Waiting")
    APPROVED = "approved", _("Welcomed")
    DECLINED = "declined", _("Not this time")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Tag(models.Model):
    """A short name and its slug, typed freely (groups.tagging): topics and resource tags."""

    name = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=40, unique=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Topic(Tag):
    pass


class Group(models.Model):
    """A small circle of people with its own agreement, chat and library."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=20, unique=True, default=new_slug, editable=False)
    description = models.TextField(max_length=2000, blank=True)
    description_html = models.TextField(blank=True, editable=False)
    topics = models.ManyToManyField(Topic, blank=True, related_name="groups")
    listed = models.BooleanField(default=True, help_text=_("Shown in the group directory."))
    join_policy = models.CharField(
        max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    capacity = models.PositiveSmallIntegerField(default=12)
    pseudonyms_allowed = models.BooleanField(default=True)
    archived = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The agreement version members must have consented to before posting.
    agreement_version = models.PositiveIntegerField(default=0)
    # Chat: the last sequence number handed out (allocated under a row lock).
    last_seq = models.BigIntegerField(default=0)
    # The last change number: every new, edited, removed or reacted message takes one.
    last_change = models.BigIntegerField(default=0)
    # Room state, changed by moderation's actions and enforced by the write path.
    paused_until = models.DateTimeField(null=True, blank=True)
    pause_message = models.CharField(max_length=300, blank=True)
    slow_mode_seconds = models.PositiveIntegerField(default=0)
    hold_first_messages = models.PositiveSmallIntegerField(default=0)
    # The session running in the room, and its talking-piece round if one is open:
    # read with the group by every send, so a room without a round pays no query.
    live_session = models.ForeignKey(
        "groups.LiveSession", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    piece_round = models.ForeignKey(
        "groups.Round", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("groups:group", args=[self.slug])

    @property
    def is_paused(self) -> bool:
        return self.paused_until is not None and self.paused_until > timezone.now()


class Membership(models.Model):
    """One person's place in one group; kept after leaving so history stays named."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    pseudonym = models.CharField(max_length=40, blank=True)
    # Case-, accent- and look-alike-folded pseudonym (or display name) for uniqueness.
    name_key = models.CharField(max_length=80, blank=True, editable=False)
    consented_version = models.PositiveIntegerField(default=0)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    last_read_seq = models.BigIntegerField(default=0)
    muted_until = models.DateTimeField(null=True, blank=True)
    mute_reason = models.CharField(max_length=300, blank=True)
    # Messages of this member published so far (for holding a newcomer's first ones).
    published_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="one_membership_per_person"),
            models.UniqueConstraint(
                fields=["group", "name_key"],
                condition=~Q(name_key=""),
                name="pseudonym_unique_in_group",
            ),
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.display_name} in group {self.group_id}"

    @property
    def display_name(self) -> str:
        return self.pseudonym or self.user.display_name

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE

    @property
    def is_facilitator(self) -> bool:
        return self.is_active and self.role == Role.FACILITATOR

    @property
    def is_muted(self) -> bool:
        return self.muted_until is not None and self.muted_until > timezone.now()


class NameChange(models.Model):
    """A name a member went by in a group before they chose another.

    For the group's facilitators only, so the record of who said what stays
    readable; members see each person under their current name everywhere.
    """

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="name_changes"
    )
    old_name = models.CharField(max_length=40)
    new_name = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Name change {self.pk} in membership {self.membership_id}"


class JoinRequest(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    note = models.TextField(max_length=500, blank=True)
    # The name they asked to go by, where the group allows one: the facilitators
    # reading the request see this, never the account's own name behind it.
    pseudonym = models.CharField(max_length=80, blank=True)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(status="pending"),
                name="one_pending_request",
            )
        ]

    def __str__(self) -> str:
        return f"Request {self.pk} ({self.status})"

    @property
    def name(self) -> str:
        """The name the facilitators see: the pseudonym asked for, else the account's."""
        return self.pseudonym or self.user.display_name


class Invite(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invites")
    token = models.CharField(max_length=40, unique=True, default=new_invite_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    max_uses = models.PositiveSmallIntegerField(default=1)
    uses = models.PositiveSmallIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invite {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("groups:invite", args=[self.token])

    @property
    def is_usable(self) -> bool:
        return (
            self.revoked_at is None
            and self.uses < self.max_uses
            and self.expires_at > timezone.now()
        )
