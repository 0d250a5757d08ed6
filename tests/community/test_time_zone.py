"""Each person's time zone: chosen in their settings, else taken from their browser once.

static/js/alerts.js posts the browser's zone while the person has none (the page's
`<html data-tz="">` says so); the server takes it only then, and only a real zone.
"""

from typing import Any

import pytest
from django.test import Client

from community.models import User
from tests.factories import signed_in
from tests.html import find

pytestmark = pytest.mark.django_db


def zone_of(user: Any) -> str:
    return User.objects.get(pk=user.pk).time_zone


def test_the_page_says_when_no_zone_is_known(user: Any) -> None:
    (html,) = find(signed_in(user).get("/").content.decode(), "html")
    assert html.attrs["data-tz"] == ""
    User.objects.filter(pk=user.pk).update(time_zone="Europe/Lisbon")
    (html,) = find(signed_in(user).get("/").content.decode(), "html")
    assert html.attrs["data-tz"] == "Europe/Lisbon"
    (visitor,) = find(Client().get("/").content.decode(), "html")
    assert "data-tz" not in visitor.attrs


def test_the_browsers_zone_is_taken_once_and_never_over_a_chosen_one(user: Any) -> None:
    client = signed_in(user)
    assert client.post("/settings/time-zone/", {"time_zone": "Mars/Olympus"}).status_code == 204
    assert zone_of(user) == ""
    assert client.post("/settings/time-zone/", {"time_zone": "America/Halifax"}).status_code == 204
    assert zone_of(user) == "America/Halifax"
    client.post("/settings/time-zone/", {"time_zone": "Asia/Tokyo"})
    assert zone_of(user) == "America/Halifax"


def test_the_detected_zone_needs_a_signed_in_post(client: Client) -> None:
    assert client.post("/settings/time-zone/", {"time_zone": "Asia/Tokyo"}).status_code == 302
    assert Client(enforce_csrf_checks=True).post("/settings/time-zone/").status_code == 403


def test_a_person_chooses_their_zone_in_settings(user: Any) -> None:
    client = signed_in(user)
    form = client.get("/settings/profile/").content.decode()
    assert find(form, "option", value="Asia/Kolkata")
    fields = {"display_name": "Mara", "pronouns": "", "bio": "", "region": "GB"}
    client.post("/settings/profile/", {**fields, "time_zone": "Asia/Kolkata"})
    assert zone_of(user) == "Asia/Kolkata"
    client.post("/settings/profile/", {**fields, "time_zone": ""})  # this device's, again
    assert zone_of(user) == ""
    response = client.post("/settings/profile/", {**fields, "time_zone": "Nowhere/Else"})
    assert response.status_code == 200 and zone_of(user) == ""  # refused by the form
