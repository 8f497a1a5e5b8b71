"""A published wave with demographics, responses, a weighting run and its estimates, for the
publishing tests. Responses go in through `submit_response`, as residents' do; the wave is then
closed and published (another area owns those actions: here the status is set directly)."""

import datetime
import itertools
import random

from django.utils import timezone

from commonground.roster.models import District
from commonground.surveys.actions import submit_response
from commonground.surveys.categories import Variable
from commonground.surveys.models import (
    Basis,
    Channel,
    Estimate,
    Method,
    Question,
    QuestionKind,
    Recruitment,
    Response,
    Wave,
    WaveStatus,
    WeightingRun,
)
from commonground.surveys.tests.factories import (
    _choice_list,
    make_districts,
    make_instrument,
    make_wave,
    words,
)

AGES = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
SEXES = ["female", "male"]
RACES = ["asian/pacific islander", "black", "hispanic", "white", "other"]
TENURES = ["owner", "renter"]


def add_demographics(instrument) -> None:
    """Age band, sex, race or ethnicity and tenure questions on a fourth page."""
    rows = [
        ("age_band", Variable.AGE_BAND, AGES),
        ("sex", Variable.SEX, SEXES),
        ("race", Variable.RACE_ETHNICITY, RACES),
        ("tenure", Variable.TENURE, TENURES),
    ]
    position = instrument.questions.count()
    for offset, (name, variable, values) in enumerate(rows):
        choice_list = _choice_list(instrument, f"{name}_list", [(v, v, v) for v in values])
        Question.objects.create(
            instrument=instrument,
            position=position + offset,
            page=4,
            name=name,
            kind=QuestionKind.SINGLE,
            choice_list=choice_list,
            label=words(f"Your {name}", f"Su {name}"),
            variable=variable,
        )


def published_wave(
    n: int = 60,
    *,
    seed: int = 7,
    comment: str = "More patrols near the park, please.",
    label: str = "2026 Q1",
    instrument=None,
    districts=None,
) -> Wave:
    """A published wave of `n` online responses spread over districts D1 and D2 and every
    demographic; each leaves `comment` as its free-text answer. Weighted (weight 1.0 to 2.0)."""
    rng = random.Random(seed)
    if instrument is None:
        instrument = make_instrument()
        add_demographics(instrument)
    districts = districts or list(District.objects.order_by("code")) or make_districts()
    wave = make_wave(instrument, label=label)
    cycle = itertools.cycle(itertools.product(AGES, SEXES, RACES, TENURES))
    for i in range(n):
        age, sex, race, tenure = next(cycle)
        answers = {
            "safe": str(rng.randint(1, 5)),
            "contact": "no",
            "trust": float(rng.randint(0, 10)),
            "age": 30.0,
            "comment": comment,
            "age_band": age,
            "sex": sex,
            "race": race,
            "tenure": tenure,
        }
        submit_response(
            wave=wave,
            answers=answers,
            language="es" if i % 3 == 0 else "en",
            channel=Channel.WEB,
            recruitment=Recruitment.OPEN_LINK,
            district=districts[i % len(districts)],
        )
    for i, response in enumerate(Response.objects.filter(wave=wave).order_by("id")):
        response.weight = 1.0 + (i % 5) / 4
        response.save(update_fields=["weight"])
    Wave.objects.filter(pk=wave.pk).update(status=WaveStatus.PUBLISHED, published_at=timezone.now())
    wave.refresh_from_db()
    return wave


def weighting_run(wave: Wave, *, days_ago: int = 0, status: str = "done") -> WeightingRun:
    return WeightingRun.objects.create(
        wave=wave,
        ran_at=timezone.now() - datetime.timedelta(days=days_ago),
        report={"status": status},
    )


def estimate(run: WeightingRun, measure: str, **fields) -> Estimate:
    values = dict(
        wave=run.wave,
        run=run,
        basis=Basis.ALL,
        measure=measure,
        n=100,
        effective_n=80.0,
        method=Method.DIRECT,
        value=62.5,
        standard_error=2.5,
        low=57.6,
        high=67.4,
        design_effect=1.25,
    )
    values.update(fields)
    return Estimate.objects.create(**values)


def indices(run: WeightingRun, districts, *, trust=62.5, safety=55.0, n=40) -> None:
    """Trust and safety indices for the city and each district."""
    for measure, value in (("trust_index", trust), ("safety_index", safety)):
        estimate(run, measure, value=value, low=value - 5, high=value + 5, n=n * len(districts))
        for district in districts:
            estimate(
                run,
                measure,
                domain="district",
                domain_value=district.code,
                value=value,
                low=value - 8,
                high=value + 8,
                n=n,
                effective_n=n * 0.8,
            )
