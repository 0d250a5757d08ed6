"""Demo groups, agreements and memberships for `manage.py seed_demo`."""

from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any, TextIO

from django.utils import timezone

from community.demo import make_person, person
from community.models import Theme
from groups.actions import chat
from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.actions import resources as resource_actions
from groups.actions.sessions import DEFAULT_PROMPTS
from groups.models import (
    Attendance,
    Group,
    JoinPolicy,
    LiveSession,
    Membership,
    MembershipStatus,
    PieceOrder,
    Repeat,
    Resource,
    Role,
    RoundKind,
    Schedule,
)


@dataclass(frozen=True)
class DemoGroup:
    """One demo group: who keeps it, who is in it, when it meets, in what words."""

    name: str
    description: str
    topics: list[str]
    join_policy: str
    facilitator: str  # the email of the demo person who keeps it
    members: list[tuple[str, str]]  # (email, pseudonym or "")
    meets: tuple[str, str, int, str] | None = None  # (repeat, weekday, hour, time zone)
    agreement: list[tuple[str, str]] | None = None  # its own clauses, else the default
    agreement_note: str = ""
    prompts: dict[str, str] | None = None  # its past session's rounds, else the defaults
    check_in_word: str = "steady"


GROUPS = [
    DemoGroup(
        name="Carrying Grief",
        description="For anyone living with the loss of someone they love, recent or long ago. "
        "We meet to remember, to say the hard things out loud, and to sit with each other.",
        topics=["Grief", "Loss"],
        join_policy=JoinPolicy.OPEN,
        facilitator="farah@hearth.example",
        meets=(Repeat.WEEKLY, "3", 19, "Europe/London"),
        members=[
            ("mara@hearth.example", "Willow"),
            ("sam@hearth.example", ""),
            ("jun@hearth.example", ""),
        ],
    ),
    DemoGroup(
        name="Quiet Minds: Living with Anxiety",
        description="A gentle space for people who live with anxiety or panic. Share what "
        "today was like, or just read along. *No advice unless someone asks for it.*",
        topics=["Anxiety"],
        join_policy=JoinPolicy.REQUEST,
        facilitator="felix@hearth.example",
        meets=(Repeat.FORTNIGHTLY, "0", 20, "America/New_York"),
        members=[("priya@hearth.example", ""), ("leo@hearth.example", "River")],
    ),
    DemoGroup(
        name="Caregivers' Circle",
        description="For people caring for a parent, partner or child through illness or "
        "disability. Bring the tiredness, the love and everything between.",
        topics=["Caregiving", "Family"],
        join_policy=JoinPolicy.OPEN,
        facilitator="farah@hearth.example",
        members=[("nia@hearth.example", ""), ("mara@hearth.example", "")],
    ),
    DemoGroup(
        name="Steady Ground: Recovery Together",
        description="Peer support for people in recovery from alcohol or other substances, "
        "whatever path you are on. Invitation only, to keep the circle steady.",
        topics=["Recovery"],
        join_policy=JoinPolicy.INVITE,
        facilitator="felix@hearth.example",
        members=[("jun@hearth.example", "")],
    ),
    DemoGroup(
        # A group that meets in Spanish: its agreement is its own, written in Spanish.
        name="Cuidar a quien cuida",
        description="Para quienes cuidan de su madre o su padre, de su pareja, de un hijo "
        "o una hija, o de cualquier persona querida que vive con una enfermedad o una "
        "discapacidad. Aquí caben el cansancio, el cariño y todo lo que hay en medio. "
        "*Hablamos en español, y nadie necesita tener las palabras perfectas.*",
        topics=["Cuidados", "Familia"],
        join_policy=JoinPolicy.OPEN,
        facilitator="lucia@hearth.example",
        meets=(Repeat.WEEKLY, "1", 19, "America/Mexico_City"),
        members=[
            ("mateo@hearth.example", ""),
            ("carmen@hearth.example", "Girasol"),
            ("andres@hearth.example", ""),
        ],
        agreement=[
            (
                "Escuchar sin juzgar",
                "Cuando alguien comparte, escuchamos con atención y sin veredictos. "
                "Respondemos a lo que se dijo y dejamos que cada historia sea de quien la "
                "cuenta.",
            ),
            (
                "Respetar los límites",
                "Los tuyos y los de los demás. «No» y «ahora no» son respuestas completas, y "
                "nadie tiene que explicar por qué prefiere no hablar de algo.",
            ),
            (
                "El cansancio también cabe aquí",
                "Puedes decir que te has quedado sin fuerzas, que a veces no puedes más, o que "
                "sientes rabia, culpa o alivio. Nada de eso quiere decir que cuides mal: aquí "
                "no hace falta hacerlo todo bien.",
            ),
            (
                "Cada familia cuida a su manera",
                "Creemos lo que cada persona cuenta de su vida, aunque la nuestra haya sido "
                "distinta. No hay una única forma correcta de cuidar.",
            ),
            (
                "Ocupa tu espacio, deja espacio",
                "Comparte todo lo que necesites, y fíjate si alguien que habla menos quiere su "
                "momento. Leer sin escribir también es una buena manera de estar.",
            ),
            (
                "Lo que se comparte aquí, se queda aquí",
                "No repetimos, copiamos ni hacemos capturas de lo que cuenta cada miembro, y "
                "no nombramos a nadie del grupo fuera de él. Esto vale también para las "
                "personas que cuidamos: su historia merece el mismo respeto.",
            ),
            (
                "Sin consejos si no los piden",
                "Damos consejos solo cuando alguien los pide. Casi siempre, lo que más ayuda "
                "es sentir que alguien te escucha.",
            ),
            (
                "Reparar es posible",
                "Cualquiera puede equivocarse. Si algo hace daño, lo decimos con cariño, "
                "pedimos perdón y seguimos adelante, en grupo. Quienes facilitan el grupo "
                "están aquí para ayudar con eso.",
            ),
        ],
        agreement_note="Nuestro acuerdo, escrito en español para este grupo.",
        # The rounds of its past session, asked in the group's own language.
        prompts={
            RoundKind.CHECK_IN: "¿Qué tiempo hace hoy dentro de ti, del 1 al 5, y en una palabra?",
            RoundKind.TALKING_PIECE: "Cuando te llegue el objeto de la palabra, comparte lo "
            "que quieras que el grupo escuche, o pasa. Quienes escuchan: sin intentar "
            "arreglar nada.",
            RoundKind.CHECK_OUT: "¿Qué te llevas de hoy, del 1 al 5, y en una o dos palabras?",
        },
        check_in_word="en calma",
    ),
]

# People who take part in Spanish: email, display name, pronouns, region. Made here
# (with the demo password and a verified address, as community/demo.py makes its own)
# because only the group above needs them.
SPANISH_SPEAKERS = [
    ("lucia@hearth.example", "Lucía", "ella", "ES"),
    ("mateo@hearth.example", "Mateo", "él", "MX"),
    ("carmen@hearth.example", "Carmen", "ella", "ES"),
    ("andres@hearth.example", "Andrés", "él", "MX"),
]


def _spanish_speakers(out: TextIO) -> None:
    """Each Spanish-speaking demo person, once; a second run changes nothing."""
    for email, name, pronouns, region in SPANISH_SPEAKERS:
        make_person(
            email,
            name,
            pronouns=pronouns,
            region=region,
            language="es",
            greeting="Hola, soy {name}. Me alegra que estés aquí.",
        )
    out.write("Demo people who take part in Spanish (same password):")
    for email, name, *_rest in SPANISH_SPEAKERS:
        out.write(f"  {email:<24} {name}")


def _ensure_member(group: Group, email: str, pseudonym: str) -> Membership:
    user = person(email)
    existing = Membership.objects.filter(group=group, user=user).first()
    if existing is not None and existing.status == MembershipStatus.ACTIVE:
        return existing
    invite = None
    if group.join_policy != JoinPolicy.OPEN:
        invite = member_actions.create_invite(actor=person("olive@hearth.example"), group=group)
    return member_actions.join_group(
        user=user,
        group=group,
        agreement_version=group.agreement_version,
        pseudonym=pseudonym,
        invite=invite,
    )


CONVERSATIONS: dict[str, list[tuple[str, str, str, str]]] = {
    # group name: (author email, intent, content warning, body)
    "Carrying Grief": [
        (
            "farah@hearth.example",
            "",
            "",
            "Welcome, everyone. However today finds you, you are "
            "welcome here. Share as much or as little as you like.",
        ),
        (
            "mara@hearth.example",
            "listening",
            "",
            "It has been a year since my dad died. Everyone "
            "around me seems to think I should be over it by now.",
        ),
        ("sam@hearth.example", "", "", "A year is no time at all. I'm glad you said it here."),
        (
            "jun@hearth.example",
            "sharing",
            "loss of a pet",
            "My dog died last week. I keep listening for her at the door.",
        ),
        ("mara@hearth.example", "", "", "Oh, Jun. Those little sounds we wait for. Sending care."),
    ],
    "Quiet Minds: Living with Anxiety": [
        (
            "felix@hearth.example",
            "",
            "",
            "Good evening. A gentle reminder: just reading along "
            "is a perfectly good way to be here.",
        ),
        (
            "priya@hearth.example",
            "advice",
            "",
            "I have a job interview on Thursday and my chest "
            "is already tight. What helps you the night before?",
        ),
        (
            "leo@hearth.example",
            "",
            "",
            "I write down the three worst things I imagine, then "
            "one thing I would say to a friend who had the same list.",
        ),
        (
            "priya@hearth.example",
            "celebrating",
            "",
            "I tried it. Slept six hours! That is a record this month.",
        ),
    ],
    "Caregivers' Circle": [
        (
            "farah@hearth.example",
            "",
            "",
            "This circle is for the tired, the loving and everything between. Welcome.",
        ),
        (
            "nia@hearth.example",
            "listening",
            "",
            "Mum didn't recognise me today. I smiled the "
            "whole visit and cried the whole drive home.",
        ),
        (
            "mara@hearth.example",
            "",
            "",
            "Both of those were love. Thank you for trusting us with it.",
        ),
    ],
    "Cuidar a quien cuida": [
        (
            "lucia@hearth.example",
            "",
            "",
            "Hola, ¿cómo llegas hoy? Este es un espacio para quienes cuidan a alguien. "
            "Puedes contar cómo ha ido tu semana o solo leer: las dos cosas están bien.",
        ),
        (
            "mateo@hearth.example",
            "listening",
            "",
            "Mi mamá tiene alzhéimer desde hace tres años. Esta semana me preguntó dos veces "
            "quién era yo. Le sonreí y le dije mi nombre, y luego me quedé un buen rato "
            "sentado afuera, sin poder irme.",
        ),
        (
            "carmen@hearth.example",
            "",
            "",
            "Te entiendo mucho, Mateo. A mi marido le cuesta cada vez más hablar, y hay días "
            "en que echo de menos su voz aunque lo tenga al lado.",
        ),
        (
            "andres@hearth.example",
            "",
            "",
            "Gracias por contarlo. Ese rato a solas después de la visita también es cuidar: "
            "cuidarte a ti.",
        ),
        (
            "carmen@hearth.example",
            "celebrating",
            "",
            "Hoy dormí siete horas seguidas por primera vez en semanas. Mi hermana se quedó "
            "con él toda la noche. Pequeñas victorias.",
        ),
        (
            "lucia@hearth.example",
            "",
            "",
            "¡Qué buena noticia! Pedirle ayuda a tu hermana también fue un paso. Gracias por "
            "traerlo aquí.",
        ),
    ],
}


def _converse(group: Group, facilitator: str) -> None:
    """A few messages and gentle reactions, sent through the chat's own write path."""
    if group.last_seq:
        return
    for number, (email, intent, warning, body) in enumerate(CONVERSATIONS.get(group.name, [])):
        sent = chat.send_message(
            user=person(email),
            group=group,
            client_id=f"demo-{number}",
            body=body,
            intent=intent,
            content_warning=warning,
        )
        if email != facilitator:
            chat.toggle_reaction(
                user=person(facilitator),
                group=group,
                message_id=sent.message.pk,
                kind="heard" if number % 2 else "care",
            )


COMMUNITY_RESOURCES: list[dict[str, Any]] = [
    {
        "title": "Grounding with five senses",
        "summary": "A two-minute exercise for when everything feels too loud.",
        "kind": "exercise",
        "tags": ["Anxiety", "Grounding"],
        "body": "When your thoughts are racing, gently notice:\n\n"
        "1. **Five** things you can see\n2. **Four** things you can touch\n"
        "3. **Three** things you can hear\n4. **Two** things you can smell\n"
        "5. **One** thing you can taste\n\n"
        "There is no wrong way to do it. If you lose count, start again, or just breathe.",
    },
    {
        "title": "How to listen without fixing",
        "summary": "What to say (and not say) when someone shares something painful.",
        "kind": "article",
        "tags": ["Listening"],
        "body": "Most of us want to help by solving. Often what helps more is being *with* "
        'someone.\n\n- Reflect what you heard: "That sounds exhausting."\n'
        '- Ask before advising: "Would ideas help, or would you rather just be heard?"\n'
        "- Let silence be okay.\n\n> Being heard is so close to being loved that for the "
        "average person they are almost indistinguishable.\n\nWe offer advice only when asked.",
    },
    {
        "title": "Find a helpline near you",
        "summary": "A directory of free, confidential helplines in many countries.",
        "kind": "link",
        "tags": ["Crisis"],
        "link": "https://findahelpline.com",
        "body": "If you are in danger right now, please call your local emergency number.",
    },
]

GROUP_RESOURCES: dict[str, list[dict[str, Any]]] = {
    "Carrying Grief": [
        {
            "title": "Writing a letter to the person you lost",
            "summary": "A gentle prompt for the things left unsaid.",
            "kind": "worksheet",
            "tags": ["Grief", "Writing"],
            "body": "Start with *Dear ...* and write whatever comes. You never have to send "
            "it or share it. Some people like to begin with a memory, others with a question.",
        },
        {
            "title": "When your child has died",
            "summary": "Words from parents who have walked this, for the first months.",
            "kind": "article",
            "tags": ["Grief"],
            "themes": ["Loss of a child"],  # folded for those who keep this theme folded
            "body": "There is no right way to carry this. Many parents found that the first "
            "months asked only for getting through each day: eating something, sleeping "
            "when sleep came, letting one person in.",
        },
    ],
}


def _resources(organizer: Any) -> None:
    if Resource.objects.exists():
        return
    for spec in COMMUNITY_RESOURCES:
        resource_actions.create(actor=organizer, group=None, **spec)
    for name, specs in GROUP_RESOURCES.items():
        group = Group.objects.get(name=name)
        facilitator = group.memberships.filter(role=Role.FACILITATOR).first()
        for spec in map(dict, specs):  # a copy: the module's list may seed again
            themes = Theme.objects.filter(name__in=spec.pop("themes", []))
            if facilitator is not None:
                resource_actions.create(actor=facilitator.user, group=group, themes=themes, **spec)


def _meets(group: Group, meets: tuple[str, str, int, str] | None) -> None:
    """(repeat, weekdays, hour, zone): when a demo group meets, from this week on."""
    if meets is None or Schedule.objects.filter(group=group).exists():
        return
    repeat, weekdays, hour, zone = meets
    today = timezone.localdate()
    Schedule.objects.create(
        group=group,
        repeat=repeat,
        weekdays=weekdays,
        first_date=today - timedelta(days=today.weekday()),
        start_time=time(hour, 0),
        time_zone=zone,
    )


def _past_session(
    group: Group,
    facilitator: str,
    prompts: dict[str, str] | None = None,
    word: str = "steady",
) -> None:
    """Last week's session of the group, for its record: everyone came, a check-in, a
    talking piece and a check-out (asked with `prompts`, else the default ones)."""
    prompts = {**{kind: str(words) for kind, words in DEFAULT_PROMPTS.items()}, **(prompts or {})}
    if group.sessions.exists():
        return
    started = timezone.now() - timedelta(days=7)
    people = list(Membership.objects.filter(group=group, status="active").order_by("pk"))
    keeper = next(m for m in people if m.user_id == person(facilitator).pk)
    session = LiveSession.objects.create(
        group=group,
        started_by=keeper,
        started_at=started,
        ends_at=started + timedelta(minutes=90),
        ended_at=started + timedelta(minutes=85),
    )
    Attendance.objects.bulk_create(
        [Attendance(session=session, membership=m, first_seen=started) for m in people]
    )
    check_in = session.rounds.create(
        kind=RoundKind.CHECK_IN,
        prompt=prompts[RoundKind.CHECK_IN],
        opened_at=started + timedelta(minutes=3),
        closed_at=started + timedelta(minutes=12),
    )
    for score, member in zip((3, 2, 4, None), people, strict=False):
        check_in.answers.create(
            membership=member,
            score=score,
            words="" if score is None else word,
            passed=score is None,
        )
    order = [m.pk for m in people if m.pk != keeper.pk]
    session.rounds.create(
        kind=RoundKind.TALKING_PIECE,
        prompt=prompts[RoundKind.TALKING_PIECE],
        opened_at=started + timedelta(minutes=15),
        closed_at=started + timedelta(minutes=70),
        order=order,
        order_kind=PieceOrder.JOINED,
        position=len(order),
    )
    session.rounds.create(
        kind=RoundKind.CHECK_OUT,
        prompt=prompts[RoundKind.CHECK_OUT],
        opened_at=started + timedelta(minutes=75),
        closed_at=started + timedelta(minutes=84),
    )


def seed(out: TextIO) -> None:
    organizer = person("olive@hearth.example")
    _spanish_speakers(out)
    for spec in GROUPS:
        group = Group.objects.filter(name=spec.name).first()
        if group is None:
            group = group_actions.create_group(
                actor=organizer,
                name=spec.name,
                description=spec.description,
                topics=spec.topics,
                join_policy=spec.join_policy,
            )
            if spec.agreement:  # its own words, before anyone joins and reads them
                group_actions.publish_agreement(
                    actor=organizer, group=group, clauses=spec.agreement, note=spec.agreement_note
                )
        _ensure_member(group, spec.facilitator, "")
        member_actions.set_facilitator(
            actor=organizer, group=group, user=person(spec.facilitator), facilitator=True
        )
        for email, pseudonym in spec.members:
            _ensure_member(group, email, pseudonym)
        _converse(group, spec.facilitator)
        _meets(group, spec.meets)
        _past_session(group, spec.facilitator, spec.prompts, spec.check_in_word)
    _resources(organizer)
    out.write(f"Demo groups: {Group.objects.count()}, resources: {Resource.objects.count()}")
