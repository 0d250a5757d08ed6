"""The demo community for browser tests: seeded once per module, people signed in by cookie.

`seed()` loads what `manage.py seed_demo` loads (each app's `demo` module, in app
order), then adds the states the pages must be seen in: a message hidden by a
facilitator and one held for review, a new agreement version waiting for
consent, a join request, an invitation, a suggested resource, a private note
and an appeal. Everything goes through the apps' own write paths.

A module uses it like this (its tests then share one data set and one server):

    demo = seeded_fixture()          # a module-scoped fixture named `demo`
    db_open = db_open_fixture()      # autouse: the live server may use the database

`seed()` runs in a worker thread: Playwright's sync API keeps an event loop
running on the main thread, and the write paths send events with
async_to_sync, which refuses to run under one.
"""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import import_module
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.management import call_command
from django.db import connection

from tests.live_server import LiveServer

GRIEF = "Carrying Grief"
ANXIETY = "Quiet Minds: Living with Anxiety"
CAREGIVERS = "Caregivers' Circle"
RECOVERY = "Steady Ground: Recovery Together"

# The person each role is seen as.
ROLES = {
    "visitor": None,
    "member": "mara@hearth.example",
    "facilitator": "farah@hearth.example",
    "organizer": "olive@hearth.example",
}

HELD_TEXT = "Happy to swap phone numbers with anyone who wants to talk after."
V2_NOTE = "We added a clause about taking breaks."
V2_CLAUSE = ("Take a break when you need one", "Step away whenever you need to; no one minds.")


@dataclass
class Demo:
    """What the tests need to find in the seeded community."""

    slugs: dict[str, str] = field(default_factory=dict)  # group name -> slug
    ids: dict[str, int] = field(default_factory=dict)  # named objects -> primary key
    invite_token: str = ""
    withdrawn_token: str = ""

    def group(self, name: str) -> str:
        return f"/groups/{self.slugs[name]}/"


def off_the_loop[T](work: Callable[[], T]) -> T:
    """Run `work` in a worker thread with its own database connection."""

    def run() -> T:
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=120)


def seed() -> Demo:
    """Load the demo community and the extra states; return where things are."""
    from community.demo import person
    from groups.actions import chat
    from groups.actions import groups as group_actions
    from groups.actions import membership as member_actions
    from groups.actions import resources as resource_actions
    from groups.models import AuditEntry, Group, Membership, Message, Resource
    from moderation.actions import appeals, filters, members
    from moderation.actions import messages as message_actions
    from moderation.models import Report

    out = StringIO()
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.demo":
                raise
            continue
        module.seed(out)

    demo = Demo(slugs={g.name: g.slug for g in Group.objects.all()})
    grief = Group.objects.get(name=GRIEF)
    farah, olive = person("farah@hearth.example"), person("olive@hearth.example")

    # A facilitator hides the advice given where listening was asked for...
    advice = Message.objects.get(group=grief, client_id="demo-advice")
    message_actions.hide(actor=farah, message_id=advice.pk, clause="No fixing unless asked")
    demo.ids["hidden"] = advice.pk
    # ...and a message waits for review behind a word filter.
    filters.add_filter(
        actor=farah,
        group=grief,
        phrase="phone numbers",
        action="hold",
        clause="What is shared here stays here",
    )
    held = chat.send_message(
        user=person("sam@hearth.example"), group=grief, client_id="demo-held", body=HELD_TEXT
    ).message
    assert held.held
    demo.ids["held"] = held.pk
    # The queue item the hold opened: how an organizer outside the group reads the message.
    demo.ids["held_item"] = Report.objects.get(message=held, status="open").pk
    demo.ids["warning"] = Message.objects.get(group=grief, client_id="demo-3").pk
    demo.ids["welcome"] = Message.objects.get(group=grief, client_id="demo-0").pk
    demo.ids["jun"] = Membership.objects.get(group=grief, user=person("jun@hearth.example")).pk

    # Mara gets a private note (so her record and home have something to show)...
    mara = Membership.objects.get(group=grief, user=person("mara@hearth.example"))
    members.nudge(
        actor=farah,
        membership=mara,
        clause="Take up space, leave space",
        text="Hi. You've shared a lot tonight, and that's welcome. Could you leave a little "
        "space so quieter members can come in too?",
    )
    # ...and Leo appeals his pause, for the organizers' appeals page.
    leo = person("leo@hearth.example")
    mute = AuditEntry.objects.filter(target_user=leo, action="mute").latest("created_at")
    appeals.appeal(user=leo, entry=mute, text="I was tired and it came out wrong. I'm sorry.")

    # A new agreement for the Caregivers' Circle: its members see what changed.
    caregivers = Group.objects.get(name=CAREGIVERS)
    current = caregivers.agreements.get(version=caregivers.agreement_version)
    clauses = [(c.title, c.body) for c in current.clauses.order_by("position")]
    clauses[0] = (clauses[0][0], clauses[0][1].replace("attention", "patience and attention"))
    group_actions.publish_agreement(
        actor=olive, group=caregivers, clauses=[*clauses[1:], clauses[0], V2_CLAUSE], note=V2_NOTE
    )

    # Someone waits to join the Quiet Minds; an invitation to Steady Ground is open.
    anxiety = Group.objects.get(name=ANXIETY)
    member_actions.request_to_join(
        user=person("nia@hearth.example"), group=anxiety, note="A friend told me about you."
    )
    recovery = Group.objects.get(name=RECOVERY)
    demo.invite_token = member_actions.create_invite(actor=olive, group=recovery).token
    withdrawn = member_actions.create_invite(actor=olive, group=recovery)
    member_actions.revoke_invite(actor=olive, invite=withdrawn)
    demo.withdrawn_token = withdrawn.token

    # A member suggests a resource to the grief group.
    suggestion = resource_actions.create(
        actor=person("sam@hearth.example"),
        group=grief,
        title="A playlist for hard evenings",
        summary="Quiet songs that kept me company.",
        body="Nothing fancy: *soft piano*, some rain sounds, one song my mum loved.",
        kind="link",
        link="https://example.org/playlist",
    )
    demo.ids["suggestion"] = suggestion.pk
    demo.ids["group_resource"] = Resource.objects.get(
        group=grief, title="Writing a letter to the person you lost"
    ).pk
    demo.ids["community_resource"] = Resource.objects.get(
        group=None, title="How to listen without fixing"
    ).pk
    # Last week's session of the group (groups/demo.py), for its record.
    demo.ids["session"] = grief.sessions.latest("started_at").pk
    return demo


def flush() -> None:
    """Empty the database, as the end of a `transactional_db` test would."""
    call_command("flush", interactive=False, verbosity=0)


def seeded_fixture() -> Any:
    """Return a module-scoped fixture: the seeded demo, emptied after the module."""

    @pytest.fixture(scope="module")
    def demo(asgi_server: LiveServer, django_db_blocker: Any) -> Iterator[Demo]:
        asgi_server.start()
        with django_db_blocker.unblock():
            off_the_loop(flush)  # whatever an earlier module may have left
            data = off_the_loop(seed)
            try:
                yield data
            finally:
                off_the_loop(flush)

    return demo


def db_open_fixture() -> Any:
    """Return an autouse fixture that lets the test (and its live server) use the database."""

    @pytest.fixture(autouse=True)
    def db_open(django_db_blocker: Any) -> Iterator[None]:
        with django_db_blocker.unblock():
            yield

    return db_open


def session_cookie(email: str, url: str) -> dict[str, Any]:
    """A signed-in session for the person with `email`, as a cookie for `url`."""
    from importlib import import_module as load

    from community.models import User

    user = User.objects.get(email=email)
    store = load(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return {"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": url}


def sign_in(page: Any, email: str | None, url: str) -> None:
    """Sign `page`'s browser context in as `email` (None: stay a visitor)."""
    if email:
        page.context.add_cookies([off_the_loop(lambda: session_cookie(email, url))])
