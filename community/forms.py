"""Forms for sign-up details and the profile and themes settings pages."""

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from community.actions import time_zones
from community.models import Region, Theme, User
from community.names import MAX_NAME_LENGTH, validate_name


def _time_zone_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Your time zone"),
        required=False,
        choices=lambda: [("", _("This device's time zone")), *((z, z) for z in time_zones())],
        help_text=_(
            "Every time on Hearth is shown in it. Leave it on “This device's time "
            "zone” and we take the one your browser uses the next time you open a page."
        ),
    )


class SignupDetailsForm(forms.Form):
    """The fields allauth's sign-up form gains: how you would like to be called."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        help_text=_(
            "How others will see you. You can change it later, and groups may "
            "let you choose a different name inside them."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    time_zone = _time_zone_field()

    def clean_display_name(self) -> str:
        return validate_name(self.cleaned_data["display_name"])

    def signup(self, request: HttpRequest, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])


class LanguageSelect(forms.Select):
    """A select whose languages are each marked with their own `lang`, for screen readers."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["lang"] = value
        return option


def _name_length_help() -> str:
    return ngettext("1 to %(max)s character.", "1 to %(max)s characters.", MAX_NAME_LENGTH) % {
        "max": MAX_NAME_LENGTH
    }


def language_choices() -> list[tuple[str, Any]]:
    """First "Same as my browser", then each language under its own name (English, Español)."""
    return [("", _("Same as my browser")), *((code, name) for code, name in settings.LANGUAGES)]


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        help_text=lazy(_name_length_help, str)(),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    pronouns = forms.CharField(
        label=_("Pronouns"),
        max_length=40,
        required=False,
        help_text=_("Optional, for example she/her."),
    )
    bio = forms.CharField(
        label=_("A few words about you"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Optional. Shown beside your name on the member list of your groups "
            "(not in a group where you use a different name). Simple formatting such as "
            "*emphasis* and links works."
        ),
    )
    region = forms.ChoiceField(
        label=_("Where you are"),
        choices=Region.choices,
        help_text=_("Only used to show you the right crisis lines first."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=language_choices,
        widget=LanguageSelect,
        help_text=_("The language Hearth speaks to you in, on every device you sign in on."),
    )
    time_zone = _time_zone_field()
    email_reminders = forms.BooleanField(
        label=_("Email me before my groups' sessions"),
        required=False,
        help_text=_(
            "A short reminder that never names the group. Reminders on Hearth "
            "itself come either way."
        ),
    )

    def clean_display_name(self) -> str:
        return validate_name(self.cleaned_data["display_name"])


class AvoidedThemesForm(forms.Form):
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes I'd rather not see"),
        queryset=Theme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Messages and resources with a content warning on these themes stay folded "
            "for you until you choose to open them. Only you see this list."
        ),
    )
