"""The starter question bank: safety and trust items of the kind the anchor surveys ask, the
procedural-justice items, demographics aligned to the census categories of `categories.py`,
and contact with police in the last year, each in English and Spanish.

Each item carries a topic code (e.g. "trust.respect") that stays the same in every instrument
built from the bank, so waves and instruments compare, and the demo's generator
(`commonground.demo.survey_people.answers`) keys its answers by the same codes and choice
values: agreement items "1".."5", yes/no as "yes"/"no", the 0-10 satisfaction as a number,
the top problem as a code, demographics as the categories' codes.

The words here are data stored in each instrument (and exported to XLSForm), not strings of
the interface, so they are written out per language rather than translated by gettext; the
demographic categories' labels come from `categories.py`'s translations."""

from dataclasses import dataclass, field

from django.utils import translation

from commonground.surveys.categories import CATEGORIES, Tenure, Variable
from commonground.surveys.models import QuestionKind

LANGUAGES = ("en", "es")


def words(en: str, es: str) -> dict[str, str]:
    return {"en": en, "es": es}


@dataclass(frozen=True)
class BankChoiceList:
    name: str
    # (value, {"en": ..., "es": ...}) in order.
    choices: tuple[tuple[str, dict[str, str]], ...]


@dataclass(frozen=True)
class BankItem:
    topic: str
    name: str
    kind: str
    label: dict[str, str]
    section: str
    choice_list: str = ""
    hint: dict[str, str] = field(default_factory=dict)
    variable: str = ""
    required: bool = False


AGREE5 = BankChoiceList(
    "agree5",
    (
        ("1", words("Strongly disagree", "Muy en desacuerdo")),
        ("2", words("Disagree", "En desacuerdo")),
        ("3", words("Neither agree nor disagree", "Ni de acuerdo ni en desacuerdo")),
        ("4", words("Agree", "De acuerdo")),
        ("5", words("Strongly agree", "Muy de acuerdo")),
    ),
)
YES_NO = BankChoiceList("yes_no", (("yes", words("Yes", "Sí")), ("no", words("No", "No"))))
PROBLEMS = BankChoiceList(
    "problems",
    (
        ("speeding", words("Speeding and dangerous driving", "Exceso de velocidad")),
        ("drugs", words("Drug dealing or drug use", "Venta o consumo de drogas")),
        ("break_ins", words("Break-ins and theft", "Robos en casas y hurtos")),
        ("noise", words("Noise", "Ruido")),
        ("litter", words("Litter and dumping", "Basura y vertidos")),
        ("violence", words("Violence", "Violencia")),
        ("other", words("Something else", "Otra cosa")),
    ),
)
LANGUAGE_AT_HOME = BankChoiceList(
    "home_language",
    (
        ("en", words("English", "Inglés")),
        ("es", words("Spanish", "Español")),
        ("other", words("Another language", "Otro idioma")),
    ),
)
TENURE = BankChoiceList(
    "tenure",
    (
        (Tenure.OWNER.value, words("I own it (or am buying it)", "Es mía (o la estoy comprando)")),
        (Tenure.RENTER.value, words("I rent it", "La alquilo")),
    ),
)


def _census_list(name: str, variable: str) -> BankChoiceList:
    """A demographic's choices: the census categories' codes, labelled in each language by
    `categories.py`'s own translations."""
    choices = []
    for value, label in CATEGORIES[variable]:
        translated = {}
        for language in LANGUAGES:
            with translation.override(language):
                translated[language] = str(label)
        choices.append((value, translated))
    return BankChoiceList(name, tuple(choices))


def choice_lists(districts: list[tuple[str, str]] | None = None) -> dict[str, BankChoiceList]:
    """Every list the bank's items use; the districts' list is the agency's own (code, name)."""
    lists = [
        AGREE5,
        YES_NO,
        PROBLEMS,
        LANGUAGE_AT_HOME,
        TENURE,
        _census_list("age_band", Variable.AGE_BAND),
        _census_list("sex", Variable.SEX),
        _census_list("race_ethnicity", Variable.RACE_ETHNICITY),
        BankChoiceList(
            "district",
            tuple((code, words(name, name)) for code, name in (districts or [])),
        ),
    ]
    return {choice_list.name: choice_list for choice_list in lists}


def _agree(topic, name, en, es, section) -> BankItem:
    return BankItem(
        topic=topic,
        name=name,
        kind=QuestionKind.AGREEMENT,
        label=words(en, es),
        section=section,
        choice_list="agree5",
    )


def _contact(topic, name, variable, en, es) -> BankItem:
    return BankItem(
        topic=topic,
        name=name,
        kind=QuestionKind.SINGLE,
        label=words(en, es),
        section="contact",
        choice_list="yes_no",
        variable=variable,
    )


def _demographic(topic, name, variable, choice_list, en, es) -> BankItem:
    return BankItem(
        topic=topic,
        name=name,
        kind=QuestionKind.SINGLE,
        label=words(en, es),
        section="demographics",
        choice_list=choice_list,
        variable=variable,
    )


ITEMS: tuple[BankItem, ...] = (
    _agree(
        "safety.day",
        "safe_day",
        "I feel safe walking alone in my neighbourhood during the day.",
        "Me siento seguro caminando solo por mi barrio durante el día.",
        "safety",
    ),
    _agree(
        "safety.night",
        "safe_night",
        "I feel safe walking alone in my neighbourhood after dark.",
        "Me siento seguro caminando solo por mi barrio de noche.",
        "safety",
    ),
    _agree(
        "trust.respect",
        "trust_respect",
        "The police in my neighbourhood treat people with respect.",
        "La policía de mi barrio trata a la gente con respeto.",
        "trust",
    ),
    _agree(
        "trust.listen",
        "trust_listen",
        "The police listen to the concerns of people in my neighbourhood.",
        "La policía escucha las preocupaciones de la gente de mi barrio.",
        "trust",
    ),
    _agree(
        "trust.fair",
        "trust_fair",
        "The police treat people fairly.",
        "La policía trata a la gente de manera justa.",
        "trust",
    ),
    _agree(
        "trust.do_right",
        "trust_do_right",
        "The police can be trusted to do what is right for my neighbourhood.",
        "Se puede confiar en que la policía hará lo correcto para mi barrio.",
        "trust",
    ),
    _agree(
        "procedural.explain",
        "pj_explain",
        "The police explain their decisions to the people they deal with.",
        "La policía explica sus decisiones a las personas con las que trata.",
        "procedural",
    ),
    _agree(
        "procedural.equal",
        "pj_equal",
        "The police treat everyone the same, whoever they are.",
        "La policía trata a todos por igual, sean quienes sean.",
        "procedural",
    ),
    _agree(
        "procedural.facts",
        "pj_facts",
        "The police make decisions based on facts, not personal feelings.",
        "La policía toma decisiones basadas en hechos, no en sentimientos personales.",
        "procedural",
    ),
    _agree(
        "procedural.voice",
        "pj_voice",
        "The police give people a chance to tell their side of the story.",
        "La policía da a la gente la oportunidad de contar su versión de los hechos.",
        "procedural",
    ),
    BankItem(
        topic="satisfaction",
        name="satisfaction",
        kind=QuestionKind.SCALE,
        label=words(
            "Overall, how satisfied are you with the police in your neighbourhood?",
            "En general, ¿qué tan satisfecho está con la policía de su barrio?",
        ),
        hint=words(
            "0 means not at all satisfied, 10 means completely satisfied.",
            "0 significa nada satisfecho, 10 significa totalmente satisfecho.",
        ),
        section="satisfaction",
    ),
    BankItem(
        topic="problem.top",
        name="top_problem",
        kind=QuestionKind.SINGLE,
        label=words(
            "What is the biggest problem in your neighbourhood?",
            "¿Cuál es el mayor problema de su barrio?",
        ),
        section="satisfaction",
        choice_list="problems",
    ),
    _contact(
        "contact.stopped",
        "contact_stopped",
        Variable.CONTACT_STOPPED,
        "In the last 12 months, were you stopped by the police (on foot or in a vehicle)?",
        "En los últimos 12 meses, ¿la policía lo paró (a pie o en un vehículo)?",
    ),
    _contact(
        "contact.complaint",
        "contact_complaint",
        Variable.CONTACT_COMPLAINT,
        "In the last 12 months, did you make a complaint about the police?",
        "En los últimos 12 meses, ¿presentó una queja sobre la policía?",
    ),
    _contact(
        "contact.called",
        "contact_called",
        Variable.CONTACT_CALLED,
        "In the last 12 months, did you call the police for help?",
        "En los últimos 12 meses, ¿llamó a la policía para pedir ayuda?",
    ),
    _demographic(
        "demographics.age_band",
        "age_band",
        Variable.AGE_BAND,
        "age_band",
        "How old are you?",
        "¿Cuántos años tiene?",
    ),
    _demographic(
        "demographics.sex", "sex", Variable.SEX, "sex", "What is your sex?", "¿Cuál es su sexo?"
    ),
    _demographic(
        "demographics.race_ethnicity",
        "race_ethnicity",
        Variable.RACE_ETHNICITY,
        "race_ethnicity",
        "Which of these best describes you?",
        "¿Cuál de estas opciones lo describe mejor?",
    ),
    _demographic(
        "demographics.tenure",
        "tenure",
        Variable.TENURE,
        "tenure",
        "Do you own or rent your home?",
        "¿Su vivienda es propia o alquilada?",
    ),
    _demographic(
        "demographics.district",
        "district",
        Variable.DISTRICT,
        "district",
        "Which district do you live in?",
        "¿En qué distrito vive?",
    ),
    _demographic(
        "demographics.language",
        "home_language",
        Variable.LANGUAGE,
        "home_language",
        "Which language do you mostly speak at home?",
        "¿Qué idioma habla principalmente en casa?",
    ),
)

BY_TOPIC: dict[str, BankItem] = {item.topic: item for item in ITEMS}

# The sections in the order a questionnaire asks them; each starts a page.
SECTIONS = ("safety", "trust", "procedural", "satisfaction", "contact", "demographics")
SECTION_TITLES = {
    "safety": words("Feeling safe", "Sentirse seguro"),
    "trust": words("Trust in the police", "Confianza en la policía"),
    "procedural": words("How the police treat people", "Cómo trata la policía a la gente"),
    "satisfaction": words("Your neighbourhood", "Su barrio"),
    "contact": words("Contact with the police", "Contacto con la policía"),
    "demographics": words("About you", "Sobre usted"),
}


def items(topics: list[str] | None = None) -> list[BankItem]:
    """The bank's items in questionnaire order: all of them, or only the topics given
    (unknown topics raise KeyError)."""
    if topics is None:
        return list(ITEMS)
    wanted = set(topics)
    unknown = wanted - set(BY_TOPIC)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    return [item for item in ITEMS if item.topic in wanted]
