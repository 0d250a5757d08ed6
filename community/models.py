"""Site-wide models: people and the crisis lines shown to them."""

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone


class Region(models.TextChoices):
    US = "US", "United States"
    CA = "CA", "Canada"
    GB = "GB", "United Kingdom"
    IE = "IE", "Ireland"
    AU = "AU", "Australia"
    NZ = "NZ", "New Zealand"
    OTHER = "OTHER", "Somewhere else"


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
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=40)
    pronouns = models.CharField(max_length=40, blank=True)
    bio = models.TextField(max_length=500, blank=True)
    bio_html = models.TextField(blank=True, editable=False)
    region = models.CharField(max_length=8, choices=Region.choices, default=Region.OTHER)
    # An IANA zone name ("Europe/London"); empty until the browser's is detected at the
    # first signed-in page (community/middleware.py shows every time in it).
    time_zone = models.CharField(max_length=64, blank=True)
    is_organizer = models.BooleanField(
        default=False, help_text="Organizers open groups and keep the community's resources."
    )
    suspended_until = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[misc,assignment]

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name or f"Person #{self.pk}"

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()


class CrisisLine(models.Model):
    """A service someone can reach right now; listed on /crisis/ by region."""

    name = models.CharField(max_length=120)
    region = models.CharField(
        max_length=8,
        choices=[*Region.choices, ("INTL", "Anywhere")],
        help_text="Where this line answers. 'Anywhere' lines are shown to everyone.",
    )
    phone = models.CharField(max_length=40, blank=True)
    text = models.CharField("text / SMS", max_length=80, blank=True)
    website = models.URLField(blank=True)
    hours = models.CharField(max_length=80, default="24 hours, every day")
    description = models.CharField(max_length=240, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.region})"


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
