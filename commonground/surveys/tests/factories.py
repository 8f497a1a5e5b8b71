"""A small questionnaire in English and Spanish for the answers engine and the online pages:
three pages, every kind of question, skip logic and a constraint, an open wave, a sample of
two districts and its invitations."""

import datetime

from django.utils import timezone

from commonground.roster.models import Agency, District
from commonground.surveys import codes
from commonground.surveys.models import (
    Choice,
    ChoiceList,
    Instrument,
    Invitation,
    Question,
    QuestionKind,
    Sample,
    SampleKind,
    Survey,
    Wave,
    WaveStatus,
)

AGREE = [
    ("1", "Strongly disagree", "Muy en desacuerdo"),
    ("2", "Disagree", "En desacuerdo"),
    ("3", "Neither agree nor disagree", "Ni de acuerdo ni en desacuerdo"),
    ("4", "Agree", "De acuerdo"),
    ("5", "Strongly agree", "Muy de acuerdo"),
]
YES_NO = [("yes", "Yes", "Sí"), ("no", "No", "No")]
CONTACT = [
    ("stopped", "I was stopped", "Me pararon"),
    ("complained", "I made a complaint", "Presenté una queja"),
    ("called", "I called for help", "Llamé para pedir ayuda"),
]


def words(en: str, es: str) -> dict:
    return {"en": en, "es": es}


def _choice_list(instrument, name, rows):
    choice_list = ChoiceList.objects.create(instrument=instrument, name=name)
    for position, (value, en, es) in enumerate(rows):
        Choice.objects.create(
            choice_list=choice_list, value=value, label=words(en, es), position=position
        )
    return choice_list


def make_instrument(survey: Survey | None = None) -> Instrument:
    """Page 1: feeling safe (agreement, required) and contact with police (yes/no, required).
    Page 2: what contact (multiple, asked only after "yes", required) and trust (0-10, required).
    Page 3: age (whole number, 18 to 120), years lived here (number, not negative), a note and
    a comment (long text, optional)."""
    survey = survey or make_survey()
    instrument = Instrument.objects.create(
        survey=survey,
        name="trust_safety",
        title=words("Community trust and safety", "Confianza y seguridad en la comunidad"),
        languages=["en", "es"],
        default_language="en",
        created_at=timezone.now(),
    )
    agree = _choice_list(instrument, "agree5", AGREE)
    yes_no = _choice_list(instrument, "yes_no", YES_NO)
    contact = _choice_list(instrument, "contact_kinds", CONTACT)
    rows = [
        dict(
            page=1,
            name="safe",
            kind=QuestionKind.AGREEMENT,
            choice_list=agree,
            label=words(
                "I feel safe walking in my neighbourhood after dark.",
                "Me siento seguro caminando por mi barrio de noche.",
            ),
            required=True,
            required_message=words(
                "Tell us how safe you feel.", "Díganos qué tan seguro se siente."
            ),
        ),
        dict(
            page=1,
            name="contact",
            kind=QuestionKind.SINGLE,
            choice_list=yes_no,
            label=words(
                "Did you have contact with the police in the last 12 months?",
                "¿Tuvo contacto con la policía en los últimos 12 meses?",
            ),
            required=True,
        ),
        dict(
            page=2,
            name="contact_kind",
            kind=QuestionKind.MULTIPLE,
            choice_list=contact,
            label=words("What contact did you have?", "¿Qué contacto tuvo?"),
            hint=words("Choose all that apply.", "Elija todas las que correspondan."),
            required=True,
            relevant="${contact} = 'yes'",
        ),
        dict(
            page=2,
            name="trust",
            kind=QuestionKind.SCALE,
            label=words(
                "How much do you trust the police? (0 = not at all, 10 = completely)",
                "¿Cuánto confía en la policía? (0 = nada, 10 = totalmente)",
            ),
            required=True,
        ),
        dict(
            page=3,
            name="age",
            kind=QuestionKind.INTEGER,
            label=words("How old are you?", "¿Cuántos años tiene?"),
            constraint=". >= 18 and . <= 120",
            constraint_message=words(
                "This survey is for adults: enter an age from 18 to 120.",
                "Esta encuesta es para adultos: escriba una edad de 18 a 120.",
            ),
        ),
        dict(
            page=3,
            name="years_here",
            kind=QuestionKind.DECIMAL,
            label=words("How many years have you lived here?", "¿Cuántos años ha vivido aquí?"),
            constraint=". >= 0",
            constraint_message=words(
                "Enter a number of years, 0 or more.", "Escriba un número de años, 0 o más."
            ),
        ),
        dict(
            page=3,
            name="note_private",
            kind=QuestionKind.NOTE,
            label=words(
                "Your answers are never published word for word.",
                "Sus respuestas nunca se publican palabra por palabra.",
            ),
        ),
        dict(
            page=3,
            name="comment",
            kind=QuestionKind.LONG_TEXT,
            label=words("Anything else you want to tell us?", "¿Algo más que quiera decirnos?"),
        ),
    ]
    for position, row in enumerate(rows):
        Question.objects.create(instrument=instrument, position=position, **row)
    return instrument


def make_survey(slug: str = "trust") -> Survey:
    """A survey; the slug gets a number if another test object already took it (the route tests
    build every area's objects in one database)."""
    taken = Survey.objects.filter(slug__startswith=slug).count()
    if taken and Survey.objects.filter(slug=slug).exists():
        slug = f"{slug}-{taken + 1}"
    return Survey.objects.create(
        slug=slug,
        title=words("Community trust and safety", "Confianza y seguridad en la comunidad"),
        created_at=timezone.now(),
    )


def make_wave(
    instrument: Instrument | None = None,
    *,
    status: str = WaveStatus.OPEN,
    open_link: bool = True,
    label: str = "2026 Q4",
) -> Wave:
    instrument = instrument or make_instrument()
    today = timezone.localdate()
    return Wave.objects.create(
        survey=instrument.survey,
        instrument=instrument,
        label=label,
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=50),
        status=status,
        open_link=open_link,
        created_at=timezone.now(),
    )


def make_districts() -> list[District]:
    agency = Agency.objects.create(name="Test PD")
    return [
        District.objects.create(agency=agency, code=code, name=name, population=10_000)
        for code, name in (("D1", "Northside"), ("D2", "Southpark"))
    ]


def make_invitations(wave: Wave, per_district: int = 2) -> list[tuple[str, Invitation]]:
    """A sample of `per_district` addresses in each of two districts (D1: 1000 in the frame,
    D2: 400), and an invitation each. Returns (code, invitation) pairs."""
    districts = make_districts()
    sample = Sample.objects.create(
        wave=wave,
        kind=SampleKind.ADDRESS,
        seed=20261207,
        strata={"D1": [1000, per_district], "D2": [400, per_district]},
        drawn_at=timezone.now(),
    )
    made = []
    for district in districts:
        for _n in range(per_district):
            code = codes.new_code()
            invitation = Invitation.objects.create(
                wave=wave,
                sample=sample,
                district=district,
                code_hash=codes.code_hash(code),
                code={"code": code},
            )
            made.append((code, invitation))
    return made


COMPLETE_ANSWERS = {
    "safe": "4",
    "contact": "yes",
    "contact_kind": ["stopped", "called"],
    "trust": 7.0,
    "age": 34.0,
    "years_here": 2.5,
    "comment": "More patrols near the park, please.",
}
