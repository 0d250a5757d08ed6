"""The agreement every new group starts from, built on Hearth's principles.

Translatable: a new group's first agreement is written in the language of the
organizer who opens it (`default_clauses()`, read when the group is created).
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DEFAULT_CLAUSES: list[tuple[Promise, Promise]] = [
    (
        _("Listen without judgment"),
        _(
            "When someone shares, we listen with attention, not verdicts. We respond to what "
            "was said, and we let each person's story be theirs."
        ),
    ),
    (
        _("Honor boundaries"),
        _(
            'Yours and everyone else\'s. "No" and "not now" are complete answers here, and '
            "nobody has to explain why they would rather not talk about something."
        ),
    ),
    (
        _("Believe lived experience"),
        _(
            "We take each person's account of their own life as true for them, even when "
            "ours was different."
        ),
    ),
    (
        _("Everyone has worth"),
        _("Everyone here matters, wherever they are in healing, on good days and hard ones."),
    ),
    (
        _("Take up space, leave space"),
        _(
            "Share as freely as you need to, and notice when someone quieter might want room "
            "to speak. Just listening is a welcome way to belong."
        ),
    ),
    (
        _("What is shared here stays here"),
        _(
            "We do not repeat, copy or screenshot what members share, and we do not name "
            "members outside the group."
        ),
    ),
    (
        _("No fixing unless asked"),
        _(
            "We offer advice only when someone invites it. Most of the time, being heard is "
            "what helps."
        ),
    ),
    (
        _("Repair is possible"),
        _(
            "We all get it wrong sometimes. When harm happens, we name it kindly, make amends, "
            "and carry on together. Facilitators are here to help with that."
        ),
    ),
]


def default_clauses() -> list[tuple[str, str]]:
    """The default agreement's (title, text) pairs in the active language."""
    return [(str(title), str(body)) for title, body in DEFAULT_CLAUSES]
