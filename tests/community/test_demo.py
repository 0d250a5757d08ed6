"""`manage.py seed_demo`: a living demo community, safe to run again, never in production."""

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command
from django.test import Client

from community.demo import CRISIS_LINES, DEMO_PASSWORD, PEOPLE
from community.models import CrisisLine, User

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()


def test_seed_demo_creates_verified_people_and_crisis_lines_and_prints_them(settings):
    settings.DEBUG = True
    output = seed()
    for email, name, _pronouns, role in PEOPLE:
        user = User.objects.get(email=email)
        assert user.display_name == name
        assert EmailAddress.objects.get(user=user, email=email).verified
        assert user.is_organizer == (role in {"organizer", "superuser"})
        assert user.is_superuser == (role == "superuser")
        assert email in output
    assert DEMO_PASSWORD in output
    assert {role for *_rest, role in PEOPLE} >= {"organizer", "facilitator", "member"}
    assert [role for *_rest, role in PEOPLE].count("facilitator") >= 2
    assert CrisisLine.objects.count() == len(CRISIS_LINES)
    assert CrisisLine.objects.filter(region="US", phone="988").exists()
    assert CrisisLine.objects.filter(region="GB", phone="116 123").exists()


def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True
    seed()
    first = row_counts()
    seed()
    assert row_counts() == first


def test_seed_demo_keeps_a_changed_password(settings):
    # Running it again must not reset what someone changed while trying the demo.
    settings.DEBUG = True
    seed()
    mara = User.objects.get(email="mara@hearth.example")
    mara.set_password("my-own-password-now")
    mara.save()
    seed()
    mara.refresh_from_db()
    assert mara.check_password("my-own-password-now")


def test_every_demo_account_can_sign_in(settings):
    settings.DEBUG = True
    seed()
    for email, *_rest in PEOPLE:
        client = Client()
        response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.session[SESSION_KEY] == str(User.objects.get(email=email).pk)


def test_seed_demo_has_a_group_that_meets_in_spanish(settings):
    from groups.demo import SPANISH_SPEAKERS
    from groups.models import Group, Membership, Message

    settings.DEBUG = True
    seed()
    seed()  # a second run adds nothing to it
    group = Group.objects.get(name="Cuidar a quien cuida")
    # Its own agreement, in Spanish, is the one its members read and accepted.
    agreement = group.agreements.get(version=group.agreement_version)
    titles = [c.title for c in agreement.clauses.order_by("position")]
    assert titles[0] == "Escuchar sin juzgar"
    assert "Lo que se comparte aquí, se queda aquí" in titles
    members = Membership.objects.filter(group=group, status="active").select_related("user")
    assert {m.user.email for m in members} == {email for email, *_rest in SPANISH_SPEAKERS}
    assert all(m.consented_version == group.agreement_version for m in members)
    facilitator = members.get(role="facilitator").user
    assert facilitator.display_name == "Lucía"
    assert members.get(user__email="carmen@hearth.example").display_name == "Girasol"
    texts = list(Message.objects.filter(group=group).order_by("seq").values_list("body", flat=True))
    assert len(texts) == 6
    assert texts[0].startswith("Hola, ¿cómo llegas hoy?")
    # Each Spanish-speaking demo person signs in with the demo password.
    for email, *_rest in SPANISH_SPEAKERS:
        client = Client()
        response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
