"""Names inside a group are unique: case-, accent- and look-alike-insensitive."""

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from community.errors import Refused
from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.models import Consent, Group, JoinPolicy, Membership
from tests.factories import make_organizer, make_user
from tests.groups.conftest import built_once, join_open
from tests.groups.threads import run_at_once
from tests.html import text_of

TAKEN = (
    "Someone in this group already goes by that name, or one that looks just like it. "
    "Please choose another."
)


def circle() -> dict[str, Any]:
    """An open group where "Willow" is a pseudonym and "Mara" a member's display name."""
    organizer = make_organizer()
    group = group_actions.create_group(actor=organizer, name="Carrying Grief", capacity=20)
    willow = make_user(display_name="Jun")
    join_open(willow, group, pseudonym="Willow")
    mara = make_user(display_name="Mara")
    join_open(mara, group)
    return {"organizer": organizer, "group": group, "willow": willow, "mara": mara}


@pytest.fixture(scope="module")
def _shared_circle(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    with built_once(django_db_blocker, circle) as built:
        yield built


@pytest.fixture
def group(_shared_circle: dict[str, Any], db: None) -> Group:
    """The circle's group (built once for the module; each test's writes roll back)."""
    return Group.objects.get(pk=_shared_circle["group"].pk)


def attempt(group: Group, pseudonym: str, user: Any = None) -> Membership:
    return join_open(user or make_user(display_name="Newcomer"), group, pseudonym=pseudonym)


LOOK_ALIKES = {
    "the same name": "Willow",
    "lower case": "willow",
    "upper case": "WILLOW",
    "an accent": "Wíllow",
    "a diaeresis": "Wïllow",
    "Cyrillic i (U+0456) for i": "W\u0456llow",
    "Cyrillic o (U+043E) for o": "Will\u043ew",
    "Greek omicron for o": "Will\u03bfw",
    "zero for o": "Will0w",
    "one for l": "Wi11ow",
    "a pipe for l": "Wi|low",
    "full-width letters": "\uff37\uff49\uff4c\uff4c\uff4f\uff57",
    "a zero-width space": "Wil\u200blow",
    "a zero-width joiner": "\u200dWillow",
    "a right-to-left override": "\u202eWillow",
    "a bidi isolate": "\u2066Willow\u2069",
    "a soft hyphen": "Wil\u00adlow",
    "a byte-order mark": "\ufeffWillow",
    "inner spaces": "Wil low",
    "a dot": "Wil.low",
    "an underscore": "wil_low",
    "spaces around it": "  Willow  ",
    # Against Mara, a member without a pseudonym: her display name counts too.
    "another member's display name": "Mara",
    "that display name in capitals": "MARA",
    "Cyrillic a (U+0430) in that name": "M\u0430r\u0430",
    "rn for m": "rnara",
    "an accent on that name": "Mára",
}


@pytest.mark.parametrize("pseudonym", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_a_name_that_looks_like_one_in_use_is_refused(group: Group, pseudonym: str) -> None:
    person = make_user(display_name="Newcomer")
    members = Membership.objects.count()

    with pytest.raises(Refused) as refused:
        attempt(group, pseudonym, person)

    assert refused.value.code == "name_taken"
    assert refused.value.message == TAKEN
    assert Membership.objects.count() == members
    assert not Consent.objects.filter(user=person).exists()


@pytest.mark.parametrize(
    "pseudonym", ["Willa", "River", "Wil", "Will", "Marah", "Mark", "Willow Tree"]
)
def test_names_that_only_resemble_are_welcome(group: Group, pseudonym: str) -> None:
    assert attempt(group, pseudonym).pseudonym == pseudonym


def test_the_name_is_stored_cleaned(group: Group) -> None:
    membership = attempt(group, "  \u202eRi\u200bver\u202c  ")
    assert membership.pseudonym == "River"
    assert membership.display_name == "River"


@pytest.mark.parametrize(
    ("pseudonym", "message"),
    [
        ("\u200b\u200d\u202e", "Please choose a name with at least one visible letter."),
        ("x" * 41, "Please keep the name to 40 characters or fewer."),
    ],
)
def test_names_with_nothing_to_show_or_too_long_are_refused(
    group: Group, pseudonym: str, message: str
) -> None:
    members = Membership.objects.count()
    with pytest.raises(Refused) as refused:
        attempt(group, pseudonym)
    assert (refused.value.code, refused.value.message) == ("invalid_name", message)
    assert Membership.objects.count() == members


def test_the_same_name_is_fine_in_another_group(db: None) -> None:
    first = circle()
    other = group_actions.create_group(actor=first["organizer"], name="Quiet Minds")
    assert attempt(other, "Willow").pseudonym == "Willow"
    assert attempt(other, "Mara").pseudonym == "Mara"


def test_a_name_stays_with_someone_who_left(db: None) -> None:
    """What they wrote stays under that name, so nobody else may take it."""
    setting = circle()
    group = setting["group"]
    member_actions.leave_group(user=setting["willow"], group=group)

    with pytest.raises(Refused) as refused:
        attempt(group, "Willow")
    assert refused.value.code == "name_taken"

    # Coming back, the name is still theirs.
    assert attempt(group, "Willow", setting["willow"]).pseudonym == "Willow"


def test_a_display_name_only_blocks_while_its_owner_is_a_member(db: None) -> None:
    setting = circle()
    member_actions.leave_group(user=setting["mara"], group=setting["group"])
    assert attempt(setting["group"], "Mara").pseudonym == "Mara"


def test_pseudonyms_are_ignored_where_the_group_does_not_allow_them(db: None) -> None:
    organizer = make_organizer()
    group = group_actions.create_group(actor=organizer, name="Steady", pseudonyms_allowed=False)
    membership = attempt(group, "Willow")
    assert (membership.pseudonym, membership.name_key) == ("", "")
    assert membership.display_name == "Newcomer"


def test_the_join_page_says_the_name_is_taken_and_keeps_nothing(group: Group) -> None:
    person = make_user(display_name="Newcomer")
    client = Client()
    client.force_login(person)

    response = client.post(
        f"/groups/{group.slug}/join/",
        {"agreement_version": 1, "consent": "on", "pseudonym": "W\u0456llow"},
    )

    assert response.status_code == 400
    assert TAKEN in text_of(response.content.decode())
    assert not Membership.objects.filter(user=person).exists()


def test_first_visit_consent_checks_the_name_too(db: None) -> None:
    """A welcomed member picks a name when they first read the agreement."""
    setting = circle()
    group = setting["group"]
    Group.objects.filter(pk=group.pk).update(join_policy=JoinPolicy.REQUEST)
    group.refresh_from_db()
    person = make_user(display_name="Newcomer")
    request = member_actions.request_to_join(user=person, group=group)
    member_actions.decide_request(actor=setting["organizer"], join_request=request, approve=True)
    client = Client()
    client.force_login(person)
    url = f"/groups/{group.slug}/agreement/"

    taken = client.post(url, {"agreement_version": 1, "consent": "on", "pseudonym": "wíllow"})
    assert taken.status_code == 400 and TAKEN in text_of(taken.content.decode())
    assert Membership.objects.get(user=person).consented_version == 0
    assert not Consent.objects.filter(user=person).exists()

    free = client.post(url, {"agreement_version": 1, "consent": "on", "pseudonym": "Rowan"})
    assert free.status_code == 302
    membership = Membership.objects.get(user=person)
    assert (membership.pseudonym, membership.consented_version) == ("Rowan", 1)


def test_the_database_refuses_two_rows_with_one_name_key(group: Group) -> None:
    taken = Membership.objects.get(group=group, pseudonym="Willow")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            group=group, user=make_user(), pseudonym="Wi11ow", name_key=taken.name_key
        )


@pytest.mark.django_db(transaction=True)
def test_two_people_choosing_one_name_at_once_get_it_once() -> None:
    group = circle()["group"]
    people = [make_user(display_name=f"Newcomer {n}") for n in range(2)]

    def choose(person: Any, name: str) -> Callable[[], Membership]:
        return lambda: attempt(group, name, person)

    results = run_at_once(
        [choose(people[0], "Rowan"), choose(people[1], "rowan")], lock_group=group.pk
    )

    won = [r for r in results if isinstance(r, Membership)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], Refused) and lost[0].code == "name_taken"
    assert Membership.objects.filter(group=group, name_key="rowan").count() == 1


def _welcomed(group: Group, organizer: Any, name: str) -> Any:
    person = make_user(display_name=name)
    request = member_actions.request_to_join(user=person, group=group)
    member_actions.decide_request(actor=organizer, join_request=request, approve=True)
    return person


@pytest.mark.django_db(transaction=True)
def test_a_name_taken_in_the_same_instant_is_caught_by_the_constraint(
    require_postgres: None,
) -> None:
    """The check cannot see a name another transaction has not committed; the index can.

    Ana's consent writes "Rowan" and holds its transaction open. Ben's consent with
    "rowan" passes the check (Ana's row is not committed), then waits on the unique
    index; when Ana commits, the database refuses Ben, and he is told kindly.
    """
    setting = circle()
    group = setting["group"]
    Group.objects.filter(pk=group.pk).update(join_policy=JoinPolicy.REQUEST)
    group.refresh_from_db()
    ana = _welcomed(group, setting["organizer"], "Ana")
    ben = _welcomed(group, setting["organizer"], "Ben")
    written, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def ana_consents() -> None:
        try:
            with transaction.atomic():
                member_actions.consent(
                    user=ana, group=group, agreement_version=1, pseudonym="Rowan"
                )
                written.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    def ben_consents() -> None:
        try:
            member_actions.consent(user=ben, group=group, agreement_version=1, pseudonym="rowan")
        except Exception as error:
            outcome["ben"] = error
        finally:
            connection.close()

    first = threading.Thread(target=ana_consents)
    first.start()
    assert written.wait(timeout=10)
    second = threading.Thread(target=ben_consents)
    second.start()
    time.sleep(0.5)  # real: that Ben still waits after a while is what is asserted
    assert second.is_alive(), "Ben should be waiting on the unique index"
    release.set()
    first.join(timeout=10)
    second.join(timeout=10)

    refusal = outcome.get("ben")
    assert isinstance(refusal, Refused), refusal
    assert (refusal.code, refusal.message) == (
        "name_taken",
        "Someone just took that name. Please choose another.",
    )
    ben_membership = Membership.objects.get(group=group, user=ben)
    assert (ben_membership.pseudonym, ben_membership.consented_version) == ("", 0)
    assert not Consent.objects.filter(user=ben).exists()
    assert Membership.objects.get(group=group, user=ana).pseudonym == "Rowan"


def test_a_display_name_that_looks_like_a_members_pseudonym_is_not_let_in_unchanged(
    group: Group,
) -> None:
    newcomer = make_user(display_name="W\u0456llow")
    with pytest.raises(Refused) as refusal:
        attempt(group, "", newcomer)
    assert refusal.value.code == "name_taken"
    assert "choose a name to use here" in refusal.value.message
    assert not Membership.objects.filter(group=group, user=newcomer).exists()
    attempt(group, "Birch", newcomer)  # with a name of their own, they are welcome
    assert Membership.objects.get(group=group, user=newcomer).pseudonym == "Birch"
