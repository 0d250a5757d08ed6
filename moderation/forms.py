"""Forms for reports, moderation actions, filters and appeals."""

from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from moderation.actions.common import CLAUSE_MAX, REASON_MAX
from moderation.actions.members import MUTE_CHOICES, NUDGE_MAX
from moderation.actions.reports import NOTE_MAX
from moderation.actions.rooms import GROUNDING_PROMPT, PAUSE_MESSAGE_MAX
from moderation.models import FilterAction


class ClauseField(forms.ChoiceField):
    """One of the agreement's clauses (the form is given them); a text too long to be
    one is refused as too long, as over the socket (groups/frames.py)."""

    def validate(self, value: str) -> None:
        if len(value) > CLAUSE_MAX:
            raise ValidationError(
                ngettext(
                    "Please keep the clause to %(limit_value)s character or fewer.",
                    "Please keep the clause to %(limit_value)s characters or fewer.",
                    CLAUSE_MAX,
                ),
                code="max_length",
                params={"limit_value": CLAUSE_MAX},
            )
        super().validate(value)


class ClauseForm(forms.Form):
    clause = ClauseField(label=_("Which part of the agreement does it touch?"))
    reason = forms.CharField(
        label=_("A short reason (for the log)"),
        max_length=REASON_MAX,
        required=False,
        help_text=_("Don't copy the message here; the log never keeps message text."),
    )

    def __init__(self, *args, clauses=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["clause"]).choices = list(clauses)


class ReportForm(forms.Form):
    clause = ClauseField(label=_("Which part of the agreement does it touch?"))
    note = forms.CharField(
        label=_("Anything the facilitators should know (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Only facilitators read this. The person you report never learns who reported."
        ),
    )

    def __init__(self, *args, clauses=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["clause"]).choices = list(clauses)


class MuteForm(ClauseForm):
    minutes = forms.TypedChoiceField(
        label=_("For how long"),
        coerce=int,
        choices=[*MUTE_CHOICES.items(), (0, _("Custom (below)"))],
    )
    custom_minutes = forms.IntegerField(
        label=_("Custom length in minutes"), required=False, min_value=1, max_value=30 * 24 * 60
    )

    def clean(self):
        data = super().clean() or {}
        if data.get("minutes") == 0:
            if not data.get("custom_minutes"):
                self.add_error("custom_minutes", _("Please give the length in minutes."))
            else:
                data["minutes"] = data["custom_minutes"]
        return data


class NudgeForm(forms.Form):
    clause = ClauseField(label=_("Which part of the agreement"))
    text = forms.CharField(
        label=_("Your note"),
        max_length=NUDGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Warm and plain: what you noticed, which promise it touches, what would help."),
    )

    def __init__(self, *args, clauses=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["clause"]).choices = list(clauses)


class ResolveForm(forms.Form):
    note = forms.CharField(label=_("Note (for the log)"), max_length=500, required=False)


class RoomForm(forms.Form):
    slow_mode_seconds = forms.IntegerField(
        label=_("Slow mode: seconds between a member's messages"),
        min_value=0,
        max_value=3600,
        help_text=_("0 turns it off. Facilitators are never slowed."),
    )
    hold_first_messages = forms.IntegerField(
        label=_("Hold each new member's first messages for approval"),
        min_value=0,
        max_value=20,
        help_text=_("0 turns it off."),
    )


class PauseForm(forms.Form):
    minutes = forms.IntegerField(
        label=_("Pause for (minutes)"),
        min_value=1,
        max_value=24 * 60,
        required=False,
        help_text=_("Leave empty to pause until you resume by hand."),
    )
    message = forms.CharField(
        label=_("A grounding message shown to everyone"),
        max_length=PAUSE_MESSAGE_MAX,
        required=False,
        initial=_(GROUNDING_PROMPT),  # marked where it is written
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Put it in your own words, or keep ours. Left empty, ours is shown."),
    )


class FilterForm(forms.Form):
    phrase = forms.CharField(label=_("Word or phrase"), max_length=80)
    action = forms.ChoiceField(label=_("When it appears"), choices=FilterAction.choices)
    clause = forms.CharField(
        label=_("Agreement clause it touches (optional)"), max_length=80, required=False
    )


class PhraseForm(forms.Form):
    phrase = forms.CharField(label=_("Crisis phrase"), max_length=80)


class SuspendForm(forms.Form):
    email = forms.EmailField(label=_("Email address of the account"))
    days = forms.IntegerField(
        label=_("Days"),
        min_value=1,
        max_value=365,
        required=False,
        help_text=_("Leave empty to suspend until lifted."),
    )
    reason = forms.CharField(label=_("Reason (for the log)"), max_length=500)


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("What would you like the organizers to know?"),
        max_length=1500,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DecideAppealForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("uphold", _("The decision stands")), ("overturn", _("Reverse it"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("A note to the member (optional)"), max_length=800, required=False
    )


class LogFilterForm(forms.Form):
    group = forms.ChoiceField(label=_("Group"), required=False)
    action = forms.CharField(label=_("Action"), required=False, max_length=40)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["group"]).choices = [("", _("All my groups")), *groups]
