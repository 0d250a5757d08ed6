"""Demo people and crisis lines for `manage.py seed_demo`."""

from typing import Any, TextIO

from allauth.account.models import EmailAddress

from community import actions
from community.models import CrisisLine, Region, User
from community.text import render_markdown

DEMO_PASSWORD = "warm-hearth-demo"
DEFAULT_HOURS = CrisisLine._meta.get_field("hours").default

# email, display name, pronouns, role
PEOPLE = [
    ("admin@hearth.example", "Ada (admin)", "she/her", "superuser"),
    ("olive@hearth.example", "Olive", "she/her", "organizer"),
    ("farah@hearth.example", "Farah", "she/they", "facilitator"),
    ("felix@hearth.example", "Felix", "he/him", "facilitator"),
    ("mara@hearth.example", "Mara", "she/her", "member"),
    ("sam@hearth.example", "Sam", "they/them", "member"),
    ("jun@hearth.example", "Jun", "he/him", "member"),
    ("priya@hearth.example", "Priya", "she/her", "member"),
    ("leo@hearth.example", "Leo", "", "member"),
    ("nia@hearth.example", "Nia", "she/her", "member"),
]

# name, region, phone, text, website, description, order, and the hours if not
# "24 hours, every day". Each line's own words are in the language it answers in.
CRISIS_LINES: list[tuple[Any, ...]] = [
    (
        "988 Suicide & Crisis Lifeline",
        "US",
        "988",
        "988",
        "https://988lifeline.org",
        "Call or text any time for free, confidential support.",
        0,
    ),
    (
        "Crisis Text Line",
        "US",
        "",
        "Text HOME to 741741",
        "https://www.crisistextline.org",
        "Text with a trained volunteer.",
        1,
    ),
    (
        "9-8-8 Suicide Crisis Helpline",
        "CA",
        "988",
        "988",
        "https://988.ca",
        "Call or text, in English or French.",
        0,
    ),
    (
        "Samaritans",
        "GB",
        "116 123",
        "",
        "https://www.samaritans.org",
        "Free from any phone, whatever you are going through.",
        0,
    ),
    (
        "Samaritans Ireland",
        "IE",
        "116 123",
        "",
        "https://www.samaritans.org/ireland/",
        "Free from any phone, whatever you are going through.",
        0,
    ),
    (
        "Lifeline Australia",
        "AU",
        "13 11 14",
        "0477 13 11 14",
        "https://www.lifeline.org.au",
        "Crisis support and suicide prevention.",
        0,
    ),
    (
        "1737, Need to talk?",
        "NZ",
        "1737",
        "1737",
        "https://1737.org.nz",
        "Call or text to talk with a trained counsellor.",
        0,
    ),
    (
        "Línea 024",
        "ES",
        "024",
        "",
        "https://www.sanidad.gob.es/linea024/",
        "Atención a la conducta suicida: si piensas en quitarte la vida, o te preocupa "
        "alguien, llama. Es gratuita y confidencial.",
        0,
        "24 horas, todos los días",
    ),
    (
        "Teléfono de la Esperanza",
        "ES",
        "717 003 717",
        "",
        "https://telefonodelaesperanza.org",
        "Personas voluntarias formadas te escuchan en momentos de crisis emocional.",
        1,
        "24 horas, todos los días",
    ),
    (
        "Línea de la Vida",
        "MX",
        "800 911 2000",
        "",
        "https://www.gob.mx/salud/conadic",
        "Orientación y apoyo emocional gratuitos y confidenciales, también en crisis "
        "y ante pensamientos suicidas.",
        0,
        "24 horas, todos los días",
    ),
    (
        "Find a Helpline",
        "INTL",
        "",
        "",
        "https://findahelpline.com",
        "Free, confidential helplines in many countries.",
        0,
    ),
]


def person(email: str) -> User:
    return User.objects.get(email=email)


def make_person(
    email: str,
    name: str,
    *,
    pronouns: str = "",
    role: str = "member",
    region: str = Region.US,
    language: str = "",
    greeting: str = "Hello, I am {name}. Glad you are here.",
) -> User:
    """A demo person with the demo password and a verified address, made once: a
    second run keeps their bio and password and sets only their site role again."""
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "display_name": name,
            "pronouns": pronouns,
            "region": Region(region),
            "language": language,  # they read Hearth in it wherever they sign in
        },
    )
    user.is_organizer = role in {"organizer", "superuser"}
    user.is_staff = role in {"organizer", "superuser"}
    user.is_superuser = role == "superuser"
    if created:
        user.bio = greeting.format(name=name)
        user.bio_html = render_markdown(user.bio)
        user.set_password(DEMO_PASSWORD)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def seed(out: TextIO) -> None:
    actions.add_default_themes()
    for email, name, pronouns, role in PEOPLE:
        make_person(email, name, pronouns=pronouns, role=role)
    for name, region, phone, text, website, description, order, *hours in CRISIS_LINES:
        CrisisLine.objects.update_or_create(
            name=name,
            region=region,
            defaults={
                "phone": phone,
                "text": text,
                "website": website,
                "description": description,
                "order": order,
                "hours": hours[0] if hours else DEFAULT_HOURS,
            },
        )
    out.write(f"Demo people (password for all: {DEMO_PASSWORD}):")
    for email, name, _pronouns, role in PEOPLE:
        out.write(f"  {email:<24} {name:<12} {role}")
