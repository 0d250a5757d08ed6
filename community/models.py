"""Site-wide models: people and the crisis lines shown to them."""

import re
from typing import ClassVar
from urllib.parse import quote, urlsplit

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    US = "US", _("United States")
    CA = "CA", _("Canada")
    GB = "GB", _("United Kingdom")
    IE = "IE", _("Ireland")
    AU = "AU", _("Australia")
    NZ = "NZ", _("New Zealand")
    ES = "ES", _("Spain")
    MX = "MX", _("Mexico")
    OTHER = "OTHER", _("Somewhere else")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: object) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self._create(email, password, **fields)


class User(AbstractUser):
    """A person with an account. Signs in with email; shown by display name."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=40)
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    bio = models.TextField(_("bio"), max_length=500, blank=True)
    bio_html = models.TextField(blank=True, editable=False)
    region = models.CharField(
        _("region"), max_length=8, choices=Region.choices, default=Region.OTHER
    )
    # A code of settings.LANGUAGES ("es"), or empty: follow the browser. The choices are
    # offered by the Settings form (community/forms.py), so adding a language needs no
    # migration; community/middleware.py activates it on every page.
    language = models.CharField(_("language"), max_length=8, blank=True)
    # An IANA zone name ("Europe/London"); empty until the browser's is detected at the
    # first signed-in page (community/middleware.py shows every time in it).
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    # A short email before a group's session (never naming the group); off unless chosen.
    email_reminders = models.BooleanField(_("email reminders"), default=False)
    is_organizer = models.BooleanField(
        _("organizer"),
        default=False,
        help_text=_("Organizers open groups and keep the community's resources."),
    )
    suspended_until = models.DateTimeField(_("suspended until"), null=True, blank=True)
    # The person asked to be deleted: erased from then on unless they sign in first.
    erase_after = models.DateTimeField(null=True, blank=True)
    # Erased: the row stays only so history (placeholders, the audit log) has an anchor.
    erased_at = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[misc,assignment]

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name or gettext("Person #%(id)s") % {"id": self.pk}

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()


class CrisisLine(models.Model):
    """A service someone can reach right now; listed on /crisis/ by region."""

    name = models.CharField(_("name"), max_length=120)
    region = models.CharField(
        _("region"),
        max_length=8,
        choices=[*Region.choices, ("INTL", _("Anywhere"))],
        help_text=_("Where this line answers. 'Anywhere' lines are shown to everyone."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    text = models.CharField(_("text / SMS"), max_length=80, blank=True)
    website = models.URLField(_("website"), blank=True)
    # Written in the language the line answers in (stored text, not translated).
    hours = models.CharField(_("hours"), max_length=80, default="24 hours, every day")
    description = models.CharField(_("description"), max_length=240, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("crisis line")
        verbose_name_plural = _("crisis lines")

    def __str__(self) -> str:
        return f"{self.name} ({self.region})"

    @property
    def website_label(self) -> str:
        """The website as a person reads it: "findahelpline.com"."""
        return urlsplit(self.website).netloc.removeprefix("www.") or self.website

    def ways_to_reach(self) -> list[dict[str, str]]:
        """What a person can tap to reach the line: call, and text with the keyword written.

        Each is `{"label", "href"}`: "Call 116 123" (tel:116123), "Text HOME to 741741"
        (sms:741741?body=HOME). `href` is `""` for a text line written in a form that
        can't be dialled (it is shown as words only).
        """
        ways = []
        if self.phone:
            ways.append(
                {
                    # Translators: a button on a crisis line, "Call 116 123".
                    "label": gettext("Call %(number)s") % {"number": self.phone},
                    "href": f"tel:{_dialable(self.phone)}",
                }
            )
        if self.text:
            # "988", "Text HOME to 741741", "text START to 0477 13 11 14"
            words = re.sub(r"(?i)^text\s+", "", self.text.strip())
            found = re.fullmatch(r"(?:(.+?)\s+to\s+)?(\+?[\d][\d \-]*)", words)
            if found:
                keyword, number = found.groups()
                href = f"sms:{_dialable(number)}" + (f"?body={quote(keyword)}" if keyword else "")
                if keyword:
                    # Translators: a button on a crisis line, "Text HOME to 741741": the
                    # keyword is what to write in the message, as the line asks for it.
                    label = gettext("Text %(keyword)s to %(number)s") % {
                        "keyword": keyword,
                        "number": number,
                    }
                else:
                    # Translators: a button on a crisis line, "Text 988".
                    label = gettext("Text %(number)s") % {"number": number}
                ways.append({"label": label, "href": href})
            else:
                ways.append({"label": self.text, "href": ""})
        return ways


def _dialable(number: str) -> str:
    """Digits (and a leading +) only, as `tel:` and `sms:` links want them."""
    return re.sub(r"(?!^\+)\D", "", number.strip())


class Notice(models.Model):
    """A private note to one person. Never names a group or quotes a message."""

    user = models.ForeignKey("community.User", on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20)
    title = models.CharField(max_length=120)
    text = models.TextField(max_length=1500)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When what it tells of stops being true (a pause on posting lifts): from then on
    # the note is history, worded in the past and no longer counted as unread.
    until = models.DateTimeField(null=True, blank=True)
    ended_title = models.CharField(max_length=120, blank=True)  # the title, once it is over
    # When the person put it down; it stays on their notes page.
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "dismissed_at"], name="notice_unread_idx")]

    def __str__(self) -> str:
        return f"Notice {self.pk}"

    @property
    def is_current(self) -> bool:
        return self.until is None or self.until > timezone.now()

    @property
    def is_unread(self) -> bool:
        return self.dismissed_at is None and self.is_current

    @property
    def heading(self) -> str:
        """The title as it reads now: in the past once what it tells of is over."""
        return self.title if self.is_current else self.ended_title or self.title


class DataExport(models.Model):
    """A ZIP of one person's own data, built in the background, kept for seven days.

    The bytes live in the database rather than under MEDIA_ROOT: the web and worker
    processes share PostgreSQL and nothing else, a member's own data is small, and
    deleting the row is the whole clean-up.
    """

    user = models.ForeignKey("community.User", on_delete=models.CASCADE, related_name="exports")
    requested_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    content = models.BinaryField(editable=False, default=b"")

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Export {self.pk}"

    @property
    def is_ready(self) -> bool:
        return self.ready_at is not None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class Theme(models.Model):
    """A hard theme on the organizers' list, offered as a content warning and as a filter."""

    name = models.CharField(max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Members who asked to keep this theme folded away in their own view.
    avoided_by = models.ManyToManyField(User, blank=True, related_name="avoided_themes")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name
