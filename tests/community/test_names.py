"""Display names: what people choose is what others see, without hidden tricks."""

import unicodedata

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from community.models import User
from community.names import MAX_NAME_LENGTH, clean_name, name_key, validate_name
from tests.html import form_errors

# --- The cleaning rules --------------------------------------------------------------


def test_names_are_nfc_normalized():
    decomposed = "Zoe\u0301"  # e + combining acute accent
    assert clean_name(decomposed) == "Zo\u00e9"
    assert unicodedata.is_normalized("NFC", clean_name(decomposed))


@pytest.mark.parametrize(
    "hidden",
    [
        "\u202e",  # right-to-left override
        "\u202d",  # left-to-right override
        "\u202a",  # left-to-right embedding
        "\u2066",  # left-to-right isolate
        "\u2069",  # pop directional isolate
        "\u200f",  # right-to-left mark
        "\u061c",  # Arabic letter mark
        "\u200b",  # zero-width space
        "\u200c",  # zero-width non-joiner
        "\u200d",  # zero-width joiner
        "\u2060",  # word joiner
        "\ufeff",  # byte-order mark
        "\u00ad",  # soft hyphen
        "\u180e",  # Mongolian vowel separator
        "\u3164",  # Hangul filler (renders as blank)
    ],
)
def test_bidi_overrides_and_invisible_characters_are_removed(hidden):
    assert clean_name(f"{hidden}Ma{hidden}ra{hidden}") == "Mara"


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\t", "\n", "\r"])
def test_control_characters_do_not_survive(control):
    cleaned = clean_name(f"Sam{control}Lee")
    assert cleaned in {"Sam Lee", "SamLee"}
    assert all(unicodedata.category(ch)[0] != "C" for ch in cleaned)


def test_spaces_are_collapsed_and_trimmed():
    assert clean_name("  Sam \u00a0\u2003  Lee  ") == "Sam Lee"


def test_a_reversed_name_cannot_be_faked():
    # "\u202eevil" would display as "live"; the override is gone so it reads as typed.
    assert clean_name("\u202eevil") == "evil"


@pytest.mark.parametrize("empty", ["", "   ", "\u200b\u200b", "\u202e\u202c", "\x00\x01", "\u3164"])
def test_a_name_needs_at_least_one_visible_character(empty):
    with pytest.raises(ValidationError):
        validate_name(empty)


def test_names_are_between_one_and_forty_characters():
    assert MAX_NAME_LENGTH == 40
    assert validate_name("J") == "J"
    assert validate_name("x" * 40) == "x" * 40
    with pytest.raises(ValidationError):
        validate_name("x" * 41)


def test_length_is_counted_after_cleaning():
    # Forty visible letters padded with invisible characters are still forty.
    assert validate_name("\u200b" * 30 + "y" * 40 + "\u202e") == "y" * 40


def test_kept_characters_are_those_people_type():
    for name in ["Ana María", "Jun 준", "Priya प्रिया", "Леся", "O'Brien-Smith", "Nia 🌱"]:
        assert validate_name(name) == unicodedata.normalize("NFC", name)


def test_look_alike_names_share_a_comparison_key():
    assert name_key("Ann") == name_key("\u0410nn")  # Cyrillic capital A
    assert name_key("Zoé") == name_key("zoe")
    assert name_key("Mara") != name_key("Nia")


# --- Through the forms people use -------------------------------------------------


@pytest.mark.django_db
def test_signup_cleans_the_display_name(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "river@hearth.test",
            "display_name": "\u202e  Ri\u200bver\u00a0 Stone\x07 ",
            "password1": "a-quiet-kettle-42",
            "password2": "a-quiet-kettle-42",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="river@hearth.test").display_name == "River Stone"
    assert len(mail.outbox) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["\u200b\u202e", "z" * 41])
def test_signup_refuses_an_empty_or_too_long_name(client, name):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "river@hearth.test",
            "display_name": name,
            "password1": "a-quiet-kettle-42",
            "password2": "a-quiet-kettle-42",
        },
    )
    assert response.status_code == 200
    assert form_errors(response.content.decode())
    assert not User.objects.filter(email="river@hearth.test").exists()
    assert mail.outbox == []


def _profile(client, **changes):
    data = {"display_name": "Mara", "pronouns": "", "bio": "", "region": "US"}
    data.update(changes)
    return client.post("/settings/profile/", data)


def test_profile_form_cleans_the_display_name(user_client, user):
    response = _profile(user_client, display_name="\u2066Mara\u2069 \u200dLi\ufeff")
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Mara Li"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("\u200b \u202e", "at least one visible letter"),
        ("m" * 41, f"{MAX_NAME_LENGTH} characters or fewer"),
    ],
)
def test_profile_form_explains_a_refused_name(user_client, user, name, message):
    response = _profile(user_client, display_name=name)
    assert response.status_code == 200
    assert any(message in error for error in form_errors(response.content.decode()))
    user.refresh_from_db()
    assert user.display_name == "Mara"


def test_profile_keeps_pronouns_bio_and_region(user_client, user):
    response = _profile(
        user_client, pronouns="they / them", bio="I like *tea*.", region="GB", display_name="M"
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.region, user.bio) == ("M", "GB", "I like *tea*.")
    assert user.bio_html == "<p>I like <em>tea</em>.</p>"
