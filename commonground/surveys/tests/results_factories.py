"""A wave ready to weight: five districts with population margins, an instrument asking age
band, sex, tenure and contact with police beside trust and safety items, and seeded responses
from an address sample (four districts well covered, Westhills with only a handful) and a few
volunteers."""

import datetime

import numpy as np
from django.utils import timezone

from commonground.roster.models import Agency, District
from commonground.surveys.categories import AgeBand, SurveySex, Tenure, Variable
from commonground.surveys.models import (
    Answer,
    Choice,
    ChoiceList,
    Instrument,
    PopulationMargin,
    Question,
    QuestionKind,
    Recruitment,
    Response,
    Survey,
    Wave,
    WaveStatus,
)

DISTRICTS = {
    "D1": "Northside",
    "D2": "Riverfront",
    "D3": "Eastgate",
    "D4": "Southpark",
    "D5": "Westhills",
}
AGES = [a.value for a in AgeBand]
SEXES = [s.value for s in SurveySex]
TENURES = [t.value for t in Tenure]
AGE_SHARES = (0.14, 0.20, 0.18, 0.17, 0.15, 0.16)


def _words(en, es=None):
    return {"en": en, "es": es or en}


def make_districts() -> list[District]:
    agency = Agency.objects.create(name="Results PD")
    return [
        District.objects.create(agency=agency, code=code, name=name, population=20_000)
        for code, name in DISTRICTS.items()
    ]


def _split(total: int, shares) -> list[int]:
    counts = [int(total * s) for s in shares]
    counts[-1] += total - sum(counts)
    return counts


def make_margins(districts, adults: int = 20_000) -> None:
    """Each district's adults by age band, sex and tenure, every variable adding up to the
    same total (so raking needs no scaling)."""
    for i, district in enumerate(districts):
        owners = 0.35 + 0.08 * i
        for variable, categories, shares in (
            (Variable.AGE_BAND, AGES, AGE_SHARES),
            (Variable.SEX, SEXES, (0.515, 0.485)),
            (Variable.TENURE, TENURES, (owners, 1 - owners)),
        ):
            for category, count in zip(categories, _split(adults, shares), strict=True):
                PopulationMargin.objects.create(
                    district=district,
                    variable=variable,
                    category=category,
                    population=count,
                    source="Test census",
                    year=2025,
                )


def _list(instrument, name, values):
    choice_list = ChoiceList.objects.create(instrument=instrument, name=name)
    for position, value in enumerate(values):
        Choice.objects.create(
            choice_list=choice_list, value=value, label=_words(value), position=position
        )
    return choice_list


def make_instrument(survey) -> Instrument:
    instrument = Instrument.objects.create(
        survey=survey,
        name="trust_results",
        title=_words("Trust and safety"),
        languages=["en", "es"],
        created_at=timezone.now(),
    )
    agree = _list(instrument, "agree5", ["1", "2", "3", "4", "5"])
    yes_no = _list(instrument, "yes_no", ["yes", "no"])
    rows = [
        ("respect", QuestionKind.AGREEMENT, agree, "", "trust.respect", "Police treat people with respect."),
        ("listen", QuestionKind.AGREEMENT, agree, "", "trust.listen", "Police listen to concerns."),
        ("night", QuestionKind.AGREEMENT, agree, "", "safety.night", "I feel safe after dark."),
        ("satisfaction", QuestionKind.SCALE, None, "", "satisfaction", "How satisfied are you?"),
        ("age_band", QuestionKind.SINGLE, _list(instrument, "ages", AGES), Variable.AGE_BAND, "demographics.age_band", "Age"),
        ("sex", QuestionKind.SINGLE, _list(instrument, "sexes", SEXES), Variable.SEX, "demographics.sex", "Sex"),
        ("tenure", QuestionKind.SINGLE, _list(instrument, "tenures", TENURES), Variable.TENURE, "demographics.tenure", "Tenure"),
        ("stopped", QuestionKind.SINGLE, yes_no, Variable.CONTACT_STOPPED, "contact.stopped", "Stopped?"),
        ("comment", QuestionKind.LONG_TEXT, None, "", "", "Anything else?"),
    ]  # fmt: skip
    for position, (name, kind, choice_list, variable, topic, label) in enumerate(rows):
        Question.objects.create(
            instrument=instrument,
            position=position,
            name=name,
            kind=kind,
            choice_list=choice_list,
            variable=variable,
            topic=topic,
            label=_words(label),
        )
    return instrument


def make_wave(survey=None, *, label="2026 Q1", opens_on=None, status=WaveStatus.CLOSED) -> Wave:
    survey = survey or Survey.objects.create(
        slug="trust-results", title=_words("Trust"), created_at=timezone.now()
    )
    instrument = survey.instruments.first() or make_instrument(survey)
    opens_on = opens_on or datetime.date(2026, 1, 1)
    return Wave.objects.create(
        survey=survey,
        instrument=instrument,
        label=label,
        opens_on=opens_on,
        closes_on=opens_on + datetime.timedelta(days=60),
        status=status,
        created_at=timezone.now(),
    )


def add_responses(
    wave: Wave,
    districts,
    *,
    per_district=(90, 80, 70, 60, 6),
    volunteers: int = 15,
    seed: int = 7,
    trust_shift: float = 0.0,
) -> list[Response]:
    """Seeded responses: older people and owners over-represented (so weighting has something
    to correct); the sampled ones carry design weights frame / drawn per district."""
    rng = np.random.default_rng(seed)
    questions = {q.name: q for q in wave.instrument.questions.select_related("choice_list")}
    choices = {
        (q.name, c.value): c
        for q in questions.values()
        if q.choice_list_id
        for c in q.choice_list.choices.all()
    }
    responses, answers = [], []
    plan = [
        (d, n, Recruitment.ADDRESS_SAMPLE) for d, n in zip(districts, per_district, strict=True)
    ]
    plan.append((districts[0], volunteers, Recruitment.OPEN_LINK))
    for district, count, recruitment in plan:
        sampled = recruitment == Recruitment.ADDRESS_SAMPLE
        for _ in range(count):
            response = Response(
                wave=wave,
                channel="web",
                recruitment=recruitment,
                language="en",
                district=district,
                design_weight=(8_000 / max(count, 1)) if sampled else 1.0,
            )
            responses.append(response)
            age = AGES[int(rng.choice(6, p=(0.08, 0.12, 0.16, 0.2, 0.22, 0.22)))]
            sex = SEXES[int(rng.random() < 0.45)]
            tenure = TENURES[int(rng.random() < 0.35)]
            stopped = "yes" if rng.random() < 0.1 else "no"
            trust = 3 + trust_shift + rng.normal(0, 1) - (1 if stopped == "yes" else 0)
            picked = {
                "age_band": age,
                "sex": sex,
                "tenure": tenure,
                "stopped": stopped,
                "respect": str(int(np.clip(round(trust), 1, 5))),
                "listen": str(int(np.clip(round(trust + rng.normal(0, 0.5)), 1, 5))),
                "night": str(int(rng.integers(1, 6))),
            }
            for name, value in picked.items():
                answers.append(
                    Answer(
                        response=response, question=questions[name], choice=choices[(name, value)]
                    )
                )
            answers.append(
                Answer(
                    response=response,
                    question=questions["satisfaction"],
                    number=float(np.clip(round(2 * trust), 0, 10)),
                )
            )
            answers.append(
                Answer(response=response, question=questions["comment"], text="Call me at 555-0100")
            )
    Response.objects.bulk_create(responses)
    Answer.objects.bulk_create(answers)
    return responses


def weighted_wave_setup(**options):
    districts = make_districts()
    make_margins(districts)
    wave = make_wave()
    add_responses(wave, districts, **options)
    return wave, districts
