"""Crisis lines as a person taps them: a number calls, a text line opens a text with its
keyword already written, a website opens; the wording never doubles a word."""

import pytest
from django.test import Client

from community.models import CrisisLine
from tests.html import find, text_of


@pytest.mark.parametrize(
    ("phone", "text", "ways"),
    [
        ("988", "988", [("Call 988", "tel:988"), ("Text 988", "sms:988")]),
        ("", "Text HOME to 741741", [("Text HOME to 741741", "sms:741741?body=HOME")]),
        (
            "",
            "text START to 0477 13 11 14",
            [("Text START to 0477 13 11 14", "sms:0477131114?body=START")],
        ),
        ("116 123", "", [("Call 116 123", "tel:116123")]),
        ("+44 20 7946 0000", "", [("Call +44 20 7946 0000", "tel:+442079460000")]),
        ("", "", []),
        # A text line in words a phone can't dial is shown as it is written, not as a link.
        ("", "WhatsApp the team", [("WhatsApp the team", "")]),
    ],
)
def test_each_way_to_reach_a_line_can_be_tapped(
    phone: str, text: str, ways: list[tuple[str, str]]
) -> None:
    line = CrisisLine(name="A line", region="US", phone=phone, text=text)
    assert [(w["label"], w["href"]) for w in line.ways_to_reach()] == ways


def test_a_keyword_with_spaces_is_written_into_the_text_safely() -> None:
    line = CrisisLine(name="A line", region="US", text="Text TALK NOW to 85258")
    assert line.ways_to_reach() == [
        {"label": "Text TALK NOW to 85258", "href": "sms:85258?body=TALK%20NOW"}
    ]


@pytest.mark.django_db
def test_the_crisis_page_links_every_way_and_says_each_once(client: Client) -> None:
    CrisisLine.objects.create(
        name="Crisis Text Line", region="US", text="Text HOME to 741741",
        website="https://www.crisistextline.org",
    )  # fmt: skip
    CrisisLine.objects.create(
        name="Find a Helpline", region="INTL", website="https://findahelpline.com"
    )
    page = client.get("/crisis/?region=US").content.decode()
    links = {text_of(a.text): a.attrs["href"] for a in find(page, "a") if "href" in a.attrs}
    assert links["Text HOME to 741741"] == "sms:741741?body=HOME"
    assert links["crisistextline.org"] == "https://www.crisistextline.org"
    assert links["findahelpline.com"] == "https://findahelpline.com"
    assert "text Text" not in text_of(page) and "Text Text" not in text_of(page)
