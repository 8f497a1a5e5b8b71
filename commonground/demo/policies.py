"""The demo agency's policy library: a handful of general orders in English and Spanish, one of
them with an earlier version (so "what changed" shows) and one retired, all through the actions."""

import datetime

from django.contrib.auth import get_user_model

from commonground.accounts.models import Role
from commonground.demo.names import STAFF_NAMES
from commonground.training.actions import (
    Wording,
    create_policy,
    draft_version,
    publish_version,
    retire_policy,
)
from commonground.training.models import Policy

FORCE_V1 = (
    "Officers may use only the force that is objectively reasonable to carry out a lawful "
    "purpose.\n\nForce must stop as soon as resistance stops. Every use of force above "
    "handcuffing is reported before the end of the shift.",
    "Los agentes solo pueden usar la fuerza objetivamente razonable para cumplir un fin "
    "legítimo.\n\nLa fuerza debe cesar en cuanto cesa la resistencia. Todo uso de la fuerza "
    "más allá de esposar se informa antes de terminar el turno.",
)
FORCE_V2 = (
    "Officers try to de-escalate first: time, distance, and a calm voice.\n\nThey may use only "
    "the force that is necessary and proportionate to carry out a lawful purpose, and it must "
    "stop as soon as resistance stops. An officer who sees another use excessive force must "
    "intervene and report it.\n\nEvery use of force above handcuffing is reported before the "
    "end of the shift and reviewed by a supervisor.",
    "Los agentes intentan primero calmar la situación: tiempo, distancia y una voz tranquila."
    "\n\nSolo pueden usar la fuerza necesaria y proporcionada para cumplir un fin legítimo, y "
    "debe cesar en cuanto cesa la resistencia. Un agente que vea a otro usar fuerza excesiva "
    "debe intervenir e informarlo.\n\nTodo uso de la fuerza más allá de esposar se informa "
    "antes de terminar el turno y lo revisa un supervisor.",
)

POLICIES = [
    (
        "GO 5.10",
        "records",
        ("Body-worn cameras", "Cámaras corporales"),
        (
            "Officers on patrol wear a camera and start recording before any enforcement "
            "contact.\n\nRecordings are kept under the retention schedule and are never edited; "
            "a redacted copy is a new file.",
            "Los agentes de patrulla llevan una cámara y empiezan a grabar antes de cualquier "
            "contacto de aplicación de la ley.\n\nLas grabaciones se conservan según el "
            "calendario de conservación y nunca se editan; una copia con partes ocultas es un "
            "archivo nuevo.",
        ),
    ),
    (
        "GO 2.04",
        "complaints",
        ("Complaints about officers", "Quejas sobre agentes"),
        (
            "Anyone may complain about an officer, by name or anonymously, online, by phone, in "
            "person or by mail. No officer may discourage a complaint.\n\nEvery complaint gets a "
            "tracking code and is investigated within the deadlines the board has set.",
            "Cualquier persona puede presentar una queja sobre un agente, con su nombre o de "
            "forma anónima, en línea, por teléfono, en persona o por correo. Ningún agente puede "
            "desalentar una queja.\n\nCada queja recibe un código de seguimiento y se investiga "
            "en los plazos que fijó la junta.",
        ),
    ),
    (
        "GO 4.01",
        "stops",
        ("Stops and searches", "Detenciones y registros"),
        (
            "A stop needs reasonable suspicion, and a search needs consent, a warrant or probable "
            "cause. The officer gives their name and the reason for the stop.\n\nEvery stop is "
            "recorded, with the person's perceived race, so the agency can measure disparities.",
            "Una detención requiere sospecha razonable, y un registro requiere consentimiento, "
            "una orden judicial o causa probable. El agente da su nombre y el motivo de la "
            "detención.\n\nCada detención se registra, con la raza percibida de la persona, para "
            "que la agencia pueda medir las disparidades.",
        ),
    ),
    (
        "GO 1.07",
        "conduct",
        ("Bias-free policing", "Actuación policial sin prejuicios"),
        (
            "Officers may not use race, ethnicity, religion, sex, gender identity, sexual "
            "orientation, disability or immigration status as a reason to stop, search or "
            "arrest anyone.",
            "Los agentes no pueden usar la raza, el origen étnico, la religión, el sexo, la "
            "identidad de género, la orientación sexual, la discapacidad ni la situación "
            "migratoria como motivo para detener, registrar o arrestar a nadie.",
        ),
    ),
]


def build(*, today: datetime.date) -> int:
    """Publish the demo's policies; returns how many there are."""
    if Policy.objects.exists():
        return 0
    by = get_user_model().objects.get(username=STAFF_NAMES[Role.TRAINING_COORDINATOR][0])
    first = create_policy(
        by=by,
        number="GO 3.02",
        category="use_of_force",
        wording=Wording(
            titles={"en": "Use of force", "es": "Uso de la fuerza"},
            texts={"en": FORCE_V1[0], "es": FORCE_V1[1]},
            effective_on=today.replace(year=today.year - 3, month=1, day=1),
        ),
    )
    publish_version(version=first, by=by)
    second = draft_version(
        policy=first.policy,
        by=by,
        wording=Wording(
            titles={"en": "Use of force", "es": "Uso de la fuerza"},
            texts={"en": FORCE_V2[0], "es": FORCE_V2[1]},
            changes={
                "en": "Adds a duty to de-escalate first and a duty to intervene; every report "
                "is reviewed by a supervisor.",
                "es": "Añade el deber de calmar primero la situación y el deber de intervenir; "
                "un supervisor revisa cada informe.",
            },
            effective_on=today.replace(year=today.year - 1, month=7, day=1),
        ),
    )
    publish_version(version=second, by=by)
    for number, category, (title_en, title_es), (text_en, text_es) in POLICIES:
        version = create_policy(
            by=by,
            number=number,
            category=category,
            wording=Wording(
                titles={"en": title_en, "es": title_es},
                texts={"en": text_en, "es": text_es},
                effective_on=today.replace(year=today.year - 2, month=3, day=1),
            ),
        )
        publish_version(version=version, by=by)
    old = create_policy(
        by=by,
        number="GO 9.99",
        category="other",
        wording=Wording(
            titles={"en": "Pagers", "es": "Buscapersonas"},
            texts={
                "en": "Supervisors carry a pager at all times.",
                "es": "Los supervisores llevan siempre un buscapersonas.",
            },
            effective_on=today.replace(year=today.year - 3, month=1, day=1),
        ),
    )
    publish_version(version=old, by=by)
    retire_policy(policy=old.policy, by=by, reason="Replaced by the agency's phone policy.")
    return Policy.objects.count()
