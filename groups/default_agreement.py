"""The agreement every new group starts from, built on Hearth's principles."""

DEFAULT_CLAUSES: list[tuple[str, str]] = [
    (
        "Listen without judgment",
        "When someone shares, we listen with attention, not verdicts. We respond to what "
        "was said, and we let each person's story be theirs.",
    ),
    (
        "Honor boundaries",
        'Yours and everyone else\'s. "No" and "not now" are complete answers here, and '
        "nobody has to explain why they would rather not talk about something.",
    ),
    (
        "Believe lived experience",
        "We take each person's account of their own life as true for them, even when "
        "ours was different.",
    ),
    (
        "Everyone has worth",
        "Everyone here matters, wherever they are in healing, on good days and hard ones.",
    ),
    (
        "Take up space, leave space",
        "Share as freely as you need to, and notice when someone quieter might want room "
        "to speak. Just listening is a welcome way to belong.",
    ),
    (
        "What is shared here stays here",
        "We do not repeat, copy or screenshot what members share, and we do not name "
        "members outside the group.",
    ),
    (
        "No fixing unless asked",
        "We offer advice only when someone invites it. Most of the time, being heard is "
        "what helps.",
    ),
    (
        "Repair is possible",
        "We all get it wrong sometimes. When harm happens, we name it kindly, make amends, "
        "and carry on together. Facilitators are here to help with that.",
    ),
]
