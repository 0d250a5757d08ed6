"""Forms for sign-up details and the profile and themes settings pages."""

from django import forms
from django.http import HttpRequest

from community.actions import time_zones
from community.models import Region, Theme, User
from community.names import MAX_NAME_LENGTH, validate_name


class SignupDetailsForm(forms.Form):
    """The fields allauth's sign-up form gains: how you would like to be called."""

    display_name = forms.CharField(
        label="Display name",
        max_length=80,
        help_text="How others will see you. You can change it later, and groups may "
        "let you choose a different name inside them.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    time_zone = forms.ChoiceField(
        label="Your time zone",
        required=False,
        choices=lambda: [("", "This device's time zone"), *((z, z) for z in time_zones())],
        help_text="Every time on Hearth is shown in it. Leave it on “This device's time "
        "zone” and we take the one your browser uses the next time you open a page.",
    )

    def clean_display_name(self) -> str:
        return validate_name(self.cleaned_data["display_name"])

    def signup(self, request: HttpRequest, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label="Display name",
        max_length=80,
        help_text=f"1 to {MAX_NAME_LENGTH} characters.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    pronouns = forms.CharField(
        label="Pronouns", max_length=40, required=False, help_text="Optional, for example she/her."
    )
    bio = forms.CharField(
        label="A few words about you",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional. Shown beside your name on the member list of your groups "
        "(not in a group where you use a different name). Simple formatting such as "
        "*emphasis* and links works.",
    )
    region = forms.ChoiceField(
        label="Where you are",
        choices=Region.choices,
        help_text="Only used to show you the right crisis lines first.",
    )
    time_zone = forms.ChoiceField(
        label="Your time zone",
        required=False,
        choices=lambda: [("", "This device's time zone"), *((z, z) for z in time_zones())],
        help_text="Every time on Hearth is shown in it. Leave it on “This device's time "
        "zone” and we take the one your browser uses the next time you open a page.",
    )
    email_reminders = forms.BooleanField(
        label="Email me before my groups' sessions",
        required=False,
        help_text="A short reminder that never names the group. Reminders on Hearth "
        "itself come either way.",
    )

    def clean_display_name(self) -> str:
        return validate_name(self.cleaned_data["display_name"])


class AvoidedThemesForm(forms.Form):
    themes = forms.ModelMultipleChoiceField(
        label="Themes I'd rather not see",
        queryset=Theme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Messages and resources with a content warning on these themes stay folded "
        "for you until you choose to open them. Only you see this list.",
    )
