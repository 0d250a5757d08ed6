"""Word filters and crisis phrases: what matches, what must not, and what each verdict does.

Matching folds case, accents, look-alike digits and symbols, repeated letters and
letters spelled out with spaces or dots, and respects word boundaries.
"""

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client

from community.errors import Refused
from community.models import Notice
from groups.actions import chat
from groups.models import Group, Message
from moderation import screening
from moderation.actions import filters
from moderation.actions import messages as message_actions
from moderation.models import CrisisPhrase, Report, ReportKind, ReportStatus, WordFilter
from tests.factories import make_user
from tests.moderation.conftest import CLAUSE, World

EVASIONS = [
    "killed",
    "KILLED",
    "k i l l e d",
    "k.i.l.l.e.d",
    "k-i-l-l-e-d",
    "kiiiilled",
    "killllled",
    "KÍLLÉD",
    "k1ll3d",
    "k!lled",
    "ki||ed",
    "He was KiLLeD!!!",
    "they k i l l e d it",
]

NOT_KILLED = [
    "skilled",
    "unskilled workers",
    "killedness",  # a different word; whole words only
    "skill",
    "kilned pots",
    "I was 4 and they were 3",
]


def test_fold_makes_every_evasion_the_same_word() -> None:
    for text in EVASIONS[:11]:
        assert screening.fold(text) == screening.fold("killed"), text
    assert screening.fold("Don't  GO\u00a0there…") == "don t go there"
    assert screening.fold("café") == "cafe"


def _site_filter(phrase: str, action: str = "block", clause: str = CLAUSE) -> WordFilter:
    word_filter = WordFilter.objects.create(group=None, phrase=phrase, action=action, clause=clause)
    screening.forget_rules()
    return word_filter


@pytest.mark.parametrize("text", EVASIONS)
def test_evasions_match(small_world: World, text: str) -> None:
    _site_filter("killed")
    verdict = screening.screen(text, group_id=small_world.group.pk)
    assert (verdict.action, verdict.clause) == ("block", CLAUSE)


@pytest.mark.parametrize("text", NOT_KILLED)
def test_words_that_merely_contain_the_phrase_do_not_match(small_world: World, text: str) -> None:
    _site_filter("killed")
    assert screening.screen(text, group_id=small_world.group.pk).action == "allow"


@pytest.mark.parametrize(
    ("phrase", "innocent", "evasive"),
    [
        # Scunthorpe: a town, not a slur.
        ("cunt", "We drove through Scunthorpe.", "c u n t"),
        # Squeezing doubled letters must not turn one word into another.
        ("ass", "As well as the class, I pass.", "a s s"),
        ("butt", "But I tried, but it was hard.", "BUUUTT"),
        ("boob", "Bob said hello.", "b.o.o.b"),
        ("hell", "Hello, shell, hellish.", "HELLLL"),
    ],
)
def test_no_false_positives_from_substrings_or_squeezed_letters(
    small_world: World, phrase: str, innocent: str, evasive: str
) -> None:
    _site_filter(phrase)
    assert screening.screen(innocent, group_id=small_world.group.pk).action == "allow"
    assert screening.screen(evasive, group_id=small_world.group.pk).action == "block"


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("I want to kill myself", True),
        ("i want to KILL   MYSELF.", True),
        ("kill\nmyself", True),
        ("k i l l myself", True),
        ("killmyself", True),
        ("I'll skill myself up", False),
        ("kill my selfie stick", False),
        ("myself kill", False),
    ],
)
def test_multi_word_phrases(small_world: World, text: str, matches: bool) -> None:
    _site_filter("kill myself", action="flag")
    assert (screening.screen(text, group_id=small_world.group.pk).action == "flag") is matches


def test_the_strictest_verdict_wins_and_crisis_is_separate(small_world: World) -> None:
    WordFilter.objects.create(group=None, phrase="gossip", action="flag", clause="Confidentiality")
    WordFilter.objects.create(group=small_world.group, phrase="idiot", action="hold", clause=CLAUSE)
    WordFilter.objects.create(group=None, phrase="moron", action="block", clause="Inherent worth")
    CrisisPhrase.objects.create(phrase="no way out")
    screening.forget_rules()
    group_id = small_world.group.pk

    flagged = screening.screen("just gossip", group_id=group_id)
    assert (flagged.action, flagged.clause, flagged.crisis) == ("flag", "Confidentiality", False)
    held = screening.screen("gossip from an idiot", group_id=group_id)
    assert (held.action, held.clause) == ("hold", CLAUSE)
    blocked = screening.screen("gossip, idiot, moron", group_id=group_id)
    assert (blocked.action, blocked.clause) == ("block", "Inherent worth")
    assert len(blocked.filter_ids) == 3
    crisis = screening.screen("There is NO WAY OUT for me", group_id=group_id)
    assert (crisis.action, crisis.crisis) == ("allow", True)
    assert screening.screen("no way through", group_id=group_id).crisis is False


def test_group_filters_stay_in_their_group_site_filters_apply_everywhere(
    small_world: World,
) -> None:
    WordFilter.objects.create(group=small_world.group, phrase="spoilers", action="block")
    WordFilter.objects.create(group=None, phrase="gossip", action="block")
    screening.forget_rules()
    assert screening.screen("no spoilers", group_id=small_world.group.pk).action == "block"
    assert screening.screen("no spoilers", group_id=small_world.other_group.pk).action == "allow"
    assert screening.screen("no gossip", group_id=small_world.group.pk).action == "block"
    assert screening.screen("no gossip", group_id=small_world.other_group.pk).action == "block"


def test_adding_or_removing_a_filter_takes_effect_at_once(
    small_world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    facilitator = small_world.user("facilitator")
    group_id = small_world.group.pk
    assert screening.screen("spoilers ahead", group_id=group_id).action == "allow"  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        word_filter = filters.add_filter(
            actor=facilitator, group=small_world.group, phrase="spoilers", action="block"
        )
    assert screening.screen("spoilers ahead", group_id=group_id).action == "block"
    with django_capture_on_commit_callbacks(execute=True):
        filters.remove_filter(actor=facilitator, word_filter=word_filter)
    assert screening.screen("spoilers ahead", group_id=group_id).action == "allow"

    organizer = small_world.user("organizer")
    assert screening.screen("there's no way out", group_id=group_id).crisis is False
    with django_capture_on_commit_callbacks(execute=True):
        filters.add_crisis_phrase(actor=organizer, phrase="no way out")
    assert screening.screen("there's no way out", group_id=group_id).crisis is True


def _admin_post(path: str, data: dict[str, Any]) -> None:
    """Post a Django admin form as a site administrator; it must save and redirect."""
    admin_user = make_user(is_staff=True, is_superuser=True, is_organizer=True)
    client = Client()
    client.force_login(admin_user)
    response = client.post(path, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


NOW = {"created_at_0": "2026-01-01", "created_at_1": "10:00:00"}
CHANGES: dict[str, Callable[[World], object]] = {
    "admin adds a filter": lambda w: _admin_post(
        "/admin/moderation/wordfilter/add/",
        {"phrase": "spoilers", "action": "block", "clause": CLAUSE, **NOW},
    ),
    "admin edits a filter": lambda w: _admin_post(
        f"/admin/moderation/wordfilter/{WordFilter.objects.get(phrase='spoiled').pk}/change/",
        {"phrase": "spoilers", "action": "block", "clause": CLAUSE, **NOW},
    ),
    "admin deletes filters in bulk": lambda w: _admin_post(
        "/admin/moderation/wordfilter/",
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": [WordFilter.objects.get(phrase="spoilers").pk],
        },
    ),
    "admin adds a crisis phrase": lambda w: _admin_post(
        "/admin/moderation/crisisphrase/add/", {"phrase": "no way out", **NOW}
    ),
    "a phrase deleted in code": lambda w: CrisisPhrase.objects.get(phrase="no way out").delete(),
    "the filter action": lambda w: filters.add_filter(
        actor=w.user("facilitator"), group=w.group, phrase="spoilers", action="block"
    ),
}
BEFORE: dict[str, Callable[[World], object]] = {  # what exists before each change
    "admin edits a filter": lambda w: WordFilter.objects.create(
        group=None, phrase="spoiled", action="flag"
    ),
    "admin deletes filters in bulk": lambda w: WordFilter.objects.create(
        group=None, phrase="spoilers", action="block"
    ),
    "a phrase deleted in code": lambda w: CrisisPhrase.objects.create(phrase="no way out"),
}


def stopped_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Screening's clock, stopped at 1000 s; move it with `clock[0] += seconds`."""
    clock = [1000.0]
    monkeypatch.setattr(screening, "_clock", lambda: clock[0])
    screening.forget_rules()  # nothing read on the real clock stays
    return clock


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_by_any_path_reaches_every_process_within_a_second(
    change: str,
    small_world: World,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    """Another process learns of a change only through the shared cache.

    This process plays the other one: its own cached rules are never dropped
    directly, so only the shared version can tell it the rules moved.
    """
    group_id = small_world.group.pk
    with django_capture_on_commit_callbacks(execute=True):
        BEFORE.get(change, lambda w: None)(small_world)

    def verdict() -> tuple[str, bool]:
        found = screening.screen("spoilers ahead, there's no way out", group_id=group_id)
        return found.action, found.crisis

    clock = stopped_clock(monkeypatch)
    before = verdict()  # the rules are now cached here, for ten seconds
    monkeypatch.setattr(screening, "forget_rules", lambda: None)
    with django_capture_on_commit_callbacks(execute=True):
        CHANGES[change](small_world)
    clock[0] += screening.VERSION_EVERY + 0.1  # the next look at the shared version
    expected = {
        "admin adds a filter": ("block", False),
        "admin edits a filter": ("block", False),
        "admin deletes filters in bulk": ("allow", False),
        "admin adds a crisis phrase": ("allow", True),
        "a phrase deleted in code": ("allow", False),
        "the filter action": ("block", False),
    }[change]
    assert before != expected
    assert verdict() == expected
    # The member notices: a blocked phrase is refused on the next message.
    if expected[0] == "block":
        with pytest.raises(Refused) as refused:
            _send(small_world, "member", "spoilers ahead", client_id="after-change")
        assert refused.value.code == "blocked"


def test_screening_reads_the_shared_cache_once_a_second_and_no_database(
    small_world: World,
    django_assert_num_queries: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    group_id = small_world.group.pk
    clock = stopped_clock(monkeypatch)
    screening.screen("warm up", group_id=group_id)
    reads: list[str] = []
    real_get = cache.get

    def counting_get(key: str, *args: Any, **kwargs: Any) -> Any:
        reads.append(key)
        return real_get(key, *args, **kwargs)

    with mock.patch.object(cache, "get", counting_get), django_assert_num_queries(0):
        for _ in range(5):
            screening.screen("an ordinary message", group_id=group_id)
        assert reads == []  # within the second: what this process read stands
        clock[0] += screening.VERSION_EVERY + 0.1
        for _ in range(5):
            screening.screen("an ordinary message", group_id=group_id)
    assert reads == [screening.VERSION_KEY]


def test_filters_refuse_an_empty_phrase(small_world: World) -> None:
    with pytest.raises(Refused) as refused:
        filters.add_filter(
            actor=small_world.user("facilitator"),
            group=small_world.group,
            phrase=" ?! ",
            action="block",
        )
    assert refused.value.code == "empty"
    assert not WordFilter.objects.exists()


# --- What each verdict does to a message (the chat write path) -----------------------


def _send(world: World, key: str, body: str, client_id: str = "c-1") -> chat.Sent:
    return chat.send_message(
        user=world.user(key), group=world.group, client_id=client_id, body=body
    )


def test_block_refuses_citing_the_clause_and_writes_nothing(small_world: World) -> None:
    _site_filter("moron", clause="Inherent worth")
    before = Group.objects.get(pk=small_world.group.pk)
    count = Message.objects.count()
    with pytest.raises(Refused) as refused:
        _send(small_world, "member", "You absolute M.O.R.O.N")
    assert refused.value.code == "blocked"
    assert "“Inherent worth”" in refused.value.message
    assert "another way" in refused.value.message
    after = Group.objects.get(pk=small_world.group.pk)
    assert (after.last_seq, after.last_change) == (before.last_seq, before.last_change)
    assert Message.objects.count() == count
    assert not Report.objects.exists()


def test_a_crisis_is_held_for_a_facilitator_never_blocked(small_world: World) -> None:
    """Words a filter blocks, in a message that also reads as a crisis: not refused."""
    _site_filter("moron", clause="Inherent worth")
    CrisisPhrase.objects.create(phrase="no way out")
    screening.forget_rules()
    sent = _send(small_world, "member", "I'm such a moron, there is no way out")
    assert sent.message.held and sent.message.seq is None
    kinds = set(Report.objects.filter(message=sent.message).values_list("kind", flat=True))
    assert ReportKind.CRISIS in kinds and ReportKind.HELD in kinds


def test_hold_keeps_the_message_out_of_the_room_until_approved(small_world: World) -> None:
    _site_filter("idiot", action="hold")
    last_seq = Group.objects.get(pk=small_world.group.pk).last_seq
    sent = _send(small_world, "member", "Don't be an idiot about it")
    held = sent.message
    assert held.held and held.seq is None
    item = Report.objects.get(message=held)
    assert (item.kind, item.status, item.clause) == (ReportKind.HELD, ReportStatus.OPEN, CLAUSE)
    assert Group.objects.get(pk=small_world.group.pk).last_seq == last_seq  # no number taken

    approved = message_actions.approve_held(
        actor=small_world.user("facilitator"), message_id=held.pk
    )
    assert (approved.held, approved.seq) == (False, last_seq + 1)
    item.refresh_from_db()
    assert item.status == ReportStatus.RESOLVED


def test_decline_keeps_it_out_and_tells_the_author_kindly(small_world: World) -> None:
    _site_filter("idiot", action="hold")
    held = _send(small_world, "member", "idiot").message
    message_actions.decline_held(
        actor=small_world.user("facilitator"), message_id=held.pk, clause=CLAUSE
    )
    held.refresh_from_db()
    assert held.seq is None and held.hidden_at is not None
    notice = Notice.objects.get(user=small_world.people["member"], kind="declined")
    assert "“Honor boundaries”" in notice.text
    assert "idiot" not in notice.text
    with pytest.raises(Refused) as again:
        message_actions.approve_held(actor=small_world.user("facilitator"), message_id=held.pk)
    assert again.value.code == "not_held"


def test_flag_lets_it_through_and_opens_a_queue_item(small_world: World) -> None:
    _site_filter("gossip", action="flag", clause="Confidentiality")
    sent = _send(small_world, "member", "Some g0ssip for you")
    assert not sent.message.held and sent.message.seq is not None
    item = Report.objects.get(message=sent.message)
    assert (item.kind, item.clause, item.urgency) == (ReportKind.FILTER, "Confidentiality", 1)
    assert item.notes.count() == 0  # nobody reported it; the filter did


def test_newcomers_first_messages_are_held_but_never_a_facilitators(small_world: World) -> None:
    Group.objects.filter(pk=small_world.group.pk).update(hold_first_messages=5)
    assert _send(small_world, "member", "Second hello", "c-2").message.held
    assert not _send(small_world, "facilitator", "Welcome", "c-3").message.held


def test_admin_changes_to_filters_and_phrases_are_in_the_audit_log(small_world: World) -> None:
    """The admin is one more way to change what screening does: it is recorded like the
    site's own filter pages, and who made a filter is filled in, not asked."""
    from groups.models import AuditEntry

    WordFilter.objects.create(group=None, phrase="spoiled", action="flag")
    for change in (
        "admin edits a filter",  # "spoiled" becomes "spoilers"
        "admin deletes filters in bulk",  # "spoilers" goes
        "admin adds a filter",  # "spoilers" again
        "admin adds a crisis phrase",
    ):
        CHANGES[change](small_world)
    entries = list(AuditEntry.objects.order_by("pk").values_list("action", "reason", "clause"))
    assert entries[-4:] == [
        ("filter_changed", "block", CLAUSE),
        ("filter_removed", "block", CLAUSE),
        ("filter_added", "block", CLAUSE),
        ("crisis_phrase_added", "", ""),
    ]
    maker = WordFilter.objects.get(phrase="spoilers").created_by
    assert maker is not None and maker.is_superuser
    admins = set(
        AuditEntry.objects.order_by("-pk")[:4].values_list("actor__is_superuser", flat=True)
    )
    assert admins == {True}
