"""Forms for joining, requests, invitations, group settings and agreements."""

from datetime import date
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from community.actions import time_zones
from community.models import Theme
from groups.models import Intent, JoinPolicy, Repeat, ResourceKind

PSEUDONYM_HELP = _(
    "Optional. This group lets you use a different name inside it. Leave empty to use "
    "your display name."
)


class _MayChooseAName(forms.Form):
    """A form that asks for a name in the group only where the group lets members
    choose one; the name comes last."""

    pseudonym = forms.CharField(
        label=_("Name in this group"), max_length=80, required=False, help_text=PSEUDONYM_HELP
    )

    def __init__(self, *args, allow_pseudonym: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not allow_pseudonym:
            del self.fields["pseudonym"]
        else:
            self.order_fields([*(name for name in self.fields if name != "pseudonym")])


class JoinForm(_MayChooseAName):
    agreement_version = forms.IntegerField(widget=forms.HiddenInput)
    consent = forms.BooleanField(
        label=_("I have read this agreement and I will keep it."),
        error_messages={"required": _("Please tick the box to say you will keep the agreement.")},
    )


class RenameForm(forms.Form):
    pseudonym = forms.CharField(
        label=_("Your name in this group"),
        max_length=80,
        required=False,
        help_text=_(
            "Everyone here will see your messages under this name, earlier ones too. "
            "Leave it empty to use the name on your account. You can change it a few "
            "times a day; the facilitators can see your earlier names here."
        ),
    )


class RequestForm(_MayChooseAName):
    note = forms.CharField(
        label=_("A short note to the facilitators"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional. Only the facilitators see it. Share only what feels comfortable."),
    )


class InviteForm(forms.Form):
    days = forms.IntegerField(
        label=_("Link works for (days)"), min_value=1, max_value=30, initial=7
    )
    max_uses = forms.IntegerField(
        label=_("How many people can use it"), min_value=1, max_value=50, initial=1
    )


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Who the group is for and how it meets. Simple formatting works."),
    )
    topics = forms.CharField(
        label=_("Topics"),
        max_length=200,
        required=False,
        help_text=_("Separate topics with commas."),
    )
    join_policy = forms.ChoiceField(label=_("How people join"), choices=JoinPolicy.choices)
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=2,
        max_value=50,
        initial=12,
        help_text=_("Small groups feel safer. Twelve is a good size."),
    )
    listed = forms.BooleanField(
        label=_("Show in the group directory"), required=False, initial=True
    )
    pseudonyms_allowed = forms.BooleanField(
        label=_("Members may use a different name in this group"), required=False, initial=True
    )

    def clean_topics(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["topics"].split(",") if t.strip()][:8]


class ClauseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=80, required=False)
    body = forms.CharField(
        label=_("What it asks"),
        max_length=1500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


ClauseFormSet = forms.formset_factory(ClauseForm, extra=1, max_num=20, can_delete=True)


class AgreementNoteForm(forms.Form):
    note = forms.CharField(
        label=_("What changed, in a sentence"),
        max_length=300,
        required=False,
        help_text=_("Members see this when they are asked to read the agreement again."),
    )


class FacilitatorForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address of the member to appoint"),
        help_text=_("They must already be a member of this group."),
    )


class MessageForm(forms.Form):
    client_id = forms.CharField(widget=forms.HiddenInput, max_length=64)
    body = forms.CharField(
        label=_("Your message"),
        max_length=4000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 4000}),
        error_messages={"required": _("The message is empty.")},
    )
    intent = forms.ChoiceField(
        label=_("What would help"), required=False, choices=[("", _("No label")), *Intent.choices]
    )
    content_warning = forms.CharField(
        label=_("Content warning"),
        max_length=120,
        required=False,
        # The organizers' themes (a <datalist> in the room), or the author's own words.
        widget=forms.TextInput(attrs={"list": "cw-themes"}),
        help_text=_(
            "Optional. Pick a theme or write your own. Others see this first and "
            "choose whether to read on."
        ),
    )


class ResourceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=300,
        required=False,
        help_text=_("One or two sentences: what it is and who it might help."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    link = forms.CharField(
        label=_("Link (optional)"),
        max_length=500,
        required=False,
        help_text=_("A web address starting with https:// (or http://)."),
        widget=forms.URLInput(attrs={"inputmode": "url"}),
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Simple formatting works: *emphasis*, **strong**, lists, > quotes and "
            "[links](https://example.org)."
        ),
    )
    tags = forms.CharField(
        label=_("Tags"), max_length=200, required=False, help_text=_("Separate tags with commas.")
    )

    themes = forms.ModelMultipleChoiceField(
        label=_("Hard themes it touches on"),
        queryset=Theme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Everyone sees these named first; people who keep a theme folded see the "
            "resource folded until they choose to open it."
        ),
    )

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()][:8]


class ShareForm(forms.Form):
    group = forms.ChoiceField(label=_("Share into"))
    body = forms.CharField(
        label=_("A note with it (optional)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    client_id = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["group"]).choices = list(groups)


WEEKDAYS = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]
REMINDERS = [
    (0, _("No reminder")),
    (15, _("15 minutes before")),
    (30, _("30 minutes before")),
    (60, _("An hour before")),
    (180, _("Three hours before")),
    (1440, _("A day before")),
]


class ScheduleForm(forms.Form):
    repeat = forms.ChoiceField(
        label=_("How often the group meets"), choices=Repeat.choices, widget=forms.RadioSelect
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("On these days"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For every week or every other week."),
    )
    first_date = forms.DateField(
        label=_("Starting on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Every other week counts from this date's week."),
    )
    dates = forms.CharField(
        label=_("Dates"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For given dates: one per line, as 2026-12-31."),
    )
    start_time = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(label=_("Length in minutes"), min_value=15, max_value=600)
    time_zone = forms.ChoiceField(
        label=_("The group's time zone"),
        choices=lambda: [(z, z) for z in time_zones()],
        help_text=_("Members see each session in their own time zone."),
    )
    reminder_minutes = forms.TypedChoiceField(
        label=_("Reminder"), choices=REMINDERS, coerce=int, initial=60
    )

    def clean_dates(self) -> list[date]:
        found = []
        for line in self.cleaned_data["dates"].split():
            try:
                found.append(date.fromisoformat(line))
            except ValueError:
                message = _("“%(line)s” is not a date like 2026-12-31.") % {"line": line[:20]}
                raise forms.ValidationError(message) from None
        return found

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("repeat") in (Repeat.WEEKLY, Repeat.FORTNIGHTLY) and not cleaned.get(
            "first_date"
        ):
            self.add_error("first_date", _("Please say from which date the group meets."))
        return cleaned
