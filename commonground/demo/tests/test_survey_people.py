"""The demo's survey population: margins that add up, a seeded city, response that leans the
way real response does (so weighting has something to correct), and planted differences that
the raked estimates recover.

The recovery tests compare an estimate with what the planted model says the drawn population's
answer is. A person's four trust items are each 1 plus the number of cut points below
latent + shift + N(0, 0.8) + N(0, 0.5) (survey_people.answers), so the expected 0-100 trust
index of a person with planted mean m is known exactly: the mean over the items of
sum_k Phi((m + shift - cut_k) / sqrt(0.8^2 + 0.5^2)) / 4 * 100. The district's truth is the mean
of that over every person drawn there (respondents or not); the estimate uses only the
respondents' answers and their raked weights."""

import dataclasses
import math

import numpy as np
import polars as pl
import pytest
from scipy.stats import norm

from commonground.demo import survey_people as sp
from commonground.demo.builder import DISTRICTS, GROUPS
from commonground.surveys.categories import AgeBand, SurveySex, Tenure, Variable
from commonground.surveys.statistics.estimates import index_scores, mean
from commonground.surveys.statistics.weighting import Margin, rake

TRUST_ITEMS = {
    "trust.respect": 0.1,
    "trust.listen": -0.1,
    "trust.fair": 0.0,
    "trust.do_right": 0.05,
}
ITEM_SD = math.hypot(0.8, 0.5)  # the person's trust noise and the item's own
WEIGHTING = [Variable.AGE_BAND, Variable.SEX, Variable.RACE_ETHNICITY, Variable.TENURE]
ATTRIBUTE = {
    Variable.AGE_BAND: "age_band",
    Variable.SEX: "sex",
    Variable.RACE_ETHNICITY: "race",
    Variable.TENURE: "tenure",
}
PER_DISTRICT = 6000
SEED = 7


def demo_populations() -> dict[str, tuple[int, dict[str, int]]]:
    """The demo districts' populations as the builder gives them to the roster."""
    found = {}
    for code, _name, population, shares, _offset in DISTRICTS:
        by_group = {g: round(population * s) for g, s in zip(GROUPS, shares, strict=True)}
        by_group["white"] += population - sum(by_group.values())
        found[code] = (population, by_group)
    return found


@pytest.fixture(scope="module")
def margins():
    return sp.margins(demo_populations())


def expected_index(planted: np.ndarray) -> np.ndarray:
    """The expected trust index (0-100) of people with these planted latent means."""
    total = np.zeros_like(planted, dtype=float)
    for shift in TRUST_ITEMS.values():
        z = (planted[:, None] + shift - sp._CUTS[None, :]) / ITEM_SD
        total += norm.cdf(z).sum(axis=1) / len(sp._CUTS) * 100
    return total / len(TRUST_ITEMS)


def frame_of(people: list[sp.Person]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "district": [p.district for p in people],
            **{
                str(variable): [getattr(p, ATTRIBUTE[variable]) for p in people]
                for variable in WEIGHTING
            },
            "stopped": [p.stopped for p in people],
        }
    )


@dataclasses.dataclass
class City:
    people: list[sp.Person]
    respondents: list[sp.Person]
    answers: list[dict]
    weights: np.ndarray

    @property
    def districts(self) -> np.ndarray:
        return np.array([p.district for p in self.respondents])

    def trust_index(self) -> np.ndarray:
        items = np.array([[float(a[q]) for q in TRUST_ITEMS] for a in self.answers])
        return index_scores(items)


@pytest.fixture(scope="module")
def city(margins) -> City:
    """Each district's adults drawn, the letter sent to all of them, the respondents' answers,
    and their weights raked, district by district, to the drawn adults' own margins."""
    rng = np.random.default_rng(SEED)
    people = [p for code in margins for p in sp.draw_people(rng, code, PER_DISTRICT, margins[code])]
    respondents = [p for p in people if sp.responds(rng, p)]
    answers = [sp.answers(rng, p, 0) for p in respondents]
    population, sample = frame_of(people), frame_of(respondents)
    weights = np.zeros(len(respondents))
    districts = sample.get_column("district").to_numpy()
    for code in margins:
        adults = population.filter(pl.col("district") == code)
        result = rake(
            sample.filter(pl.col("district") == code),
            [
                Margin(str(v), dict(adults.group_by(str(v)).len().sort(str(v)).iter_rows()))
                for v in WEIGHTING
            ],
        )
        assert result.convergence.converged
        weights[districts == code] = result.weights
    return City(people, respondents, answers, weights)


# --- Margins -----------------------------------------------------------------------------------


def test_every_variable_of_a_district_adds_up_to_its_adults(margins):
    for code, (population, _by_race) in demo_populations().items():
        adults = round(population * sp.ADULT_SHARE)
        assert set(margins[code]) == set(WEIGHTING)
        for variable in WEIGHTING:
            counts = margins[code][variable]
            assert sum(counts.values()) == adults, (code, variable)
            assert all(isinstance(c, int) and c >= 0 for c in counts.values())


def test_margins_use_the_survey_categories_codes(margins):
    for counts in margins.values():
        assert list(counts[Variable.AGE_BAND]) == [b.value for b in AgeBand]
        assert list(counts[Variable.SEX]) == [s.value for s in SurveySex]
        assert list(counts[Variable.TENURE]) == [t.value for t in Tenure]
        assert list(counts[Variable.RACE_ETHNICITY]) == sp.RACES


def test_race_margin_follows_the_districts_population_by_group(margins):
    for code, (population, by_race) in demo_populations().items():
        adults = round(population * sp.ADULT_SHARE)
        for race in sp.RACES:
            share = by_race[race] / sum(by_race.values())
            # Largest remainders move a count by at most one from its exact share.
            assert abs(margins[code][Variable.RACE_ETHNICITY][race] - adults * share) < 1


def test_split_gives_whole_numbers_adding_up_exactly():
    assert sp._split(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    assert sp._split(7, {"x": 0.5, "y": 0.5}) in ({"x": 4, "y": 3}, {"x": 3, "y": 4})
    assert sp._split(0, {"x": 0.2, "y": 0.8}) == {"x": 0, "y": 0}
    rng = np.random.default_rng(1)
    for _ in range(200):
        total = int(rng.integers(0, 100_000))
        shares = dict(enumerate(rng.random(int(rng.integers(1, 8))).tolist()))
        counts = sp._split(total, shares)
        assert sum(counts.values()) == total
        for key, share in shares.items():
            assert abs(counts[key] - total * share / sum(shares.values())) < 1


# --- A seeded city -----------------------------------------------------------------------------


def draw_wave(seed: int, margins) -> tuple[list[sp.Person], list[bool], list[dict]]:
    rng = np.random.default_rng(seed)
    people = sp.draw_people(rng, "D4", 300, margins["D4"])
    answered = [sp.responds(rng, p) for p in people]
    answers = [sp.answers(rng, p, 2) for p in people]
    return people, answered, answers


def test_the_same_seed_draws_the_same_people_responses_and_answers(margins):
    assert draw_wave(42, margins) == draw_wave(42, margins)


def test_another_seed_draws_another_city(margins):
    first, second = draw_wave(42, margins), draw_wave(43, margins)
    assert first[0] != second[0]
    assert first[2] != second[2]


def test_answers_are_keyed_by_bank_topic_with_valid_values(margins):
    rng = np.random.default_rng(3)
    for person in sp.draw_people(rng, "D2", 200, margins["D2"]):
        found = sp.answers(rng, person, 0)
        for item in (*TRUST_ITEMS, "safety.day", "safety.night"):
            assert found[item] in {"1", "2", "3", "4", "5"}
        assert isinstance(found["satisfaction"], float)
        assert 0 <= found["satisfaction"] <= 10 and found["satisfaction"] == int(
            found["satisfaction"]
        )
        assert found["problem.top"] in sp.PROBLEMS
        assert found["demographics.district"] == "D2"
        assert found["demographics.age_band"] == person.age_band
        assert found["demographics.sex"] == person.sex
        assert found["demographics.race_ethnicity"] == person.race
        assert found["demographics.tenure"] == person.tenure
        assert found["contact.stopped"] == ("yes" if person.stopped else "no")
        assert found["contact.called"] == ("yes" if person.called else "no")
        assert found["contact.complaint"] == ("yes" if person.complained else "no")


def test_drawn_adults_follow_their_districts_margins(city, margins):
    population = frame_of(city.people)
    for code in margins:
        adults = population.filter(pl.col("district") == code)
        assert adults.height == PER_DISTRICT
        for variable in WEIGHTING:
            counts = margins[code][variable]
            total = sum(counts.values())
            for category, count in counts.items():
                share = count / total
                drawn = (adults.get_column(str(variable)) == category).mean()
                # Four binomial standard errors of a share from PER_DISTRICT draws (85 shares are checked).
                assert abs(drawn - share) <= 4 * math.sqrt(share * (1 - share) / PER_DISTRICT)


def test_young_men_and_black_residents_are_stopped_more_often(city):
    people = frame_of(city.people).with_columns(
        young_man=(pl.col("sex") == "male") & pl.col("age_band").is_in(["18-24", "25-34"])
    )
    rate = people.group_by("young_man").agg(pl.col("stopped").mean()).sort("young_man")
    others, young_men = rate.get_column("stopped").to_list()
    assert young_men - others == pytest.approx(sp.STOPPED_YOUNG_MAN, abs=0.03)
    by_race = dict(people.group_by("race_ethnicity").agg(pl.col("stopped").mean()).iter_rows())
    assert by_race["black"] > by_race["white"] + 0.04
    assert by_race["hispanic"] > by_race["white"]


# --- Who answers -------------------------------------------------------------------------------


def test_about_one_in_five_answers_a_letter_and_fewer_a_call(city, margins):
    assert 0.15 <= len(city.respondents) / len(city.people) <= 0.28
    rng = np.random.default_rng(11)
    people = sp.draw_people(rng, "D1", 4000, margins["D1"])
    letter = np.mean([sp.responds(rng, p) for p in people])
    call = np.mean([sp.responds(rng, p, phone=True) for p in people])
    assert call / letter == pytest.approx(sp.PHONE_RESPONSE_FACTOR, rel=0.15)


def test_older_people_and_owners_answer_more_often_so_raw_answers_lean_their_way(city):
    population, sample = frame_of(city.people), frame_of(city.respondents)

    def share(frame, column, value):
        return (frame.get_column(column) == value).mean()

    assert share(sample, "age_band", "65+") > 1.4 * share(population, "age_band", "65+")
    assert share(sample, "age_band", "18-24") < 0.7 * share(population, "age_band", "18-24")
    assert share(sample, "tenure", "owner") > share(population, "tenure", "owner") + 0.05
    # Sex and race do not decide response: their shares stay put.
    assert share(sample, "sex", "female") == pytest.approx(
        share(population, "sex", "female"), abs=0.03
    )


def test_raked_weights_give_back_the_population_margins(city):
    population, sample = frame_of(city.people), frame_of(city.respondents)
    for code in sp.AGE_SHARES:
        inside = sample.get_column("district").to_numpy() == code
        adults = population.filter(pl.col("district") == code)
        for variable in WEIGHTING:
            values = sample.get_column(str(variable)).to_numpy()[inside]
            for category, count in adults.group_by(str(variable)).len().iter_rows():
                weighted = city.weights[inside][values == category].sum()
                assert weighted == pytest.approx(count, rel=1e-8)


# --- What the estimates recover ----------------------------------------------------------------


def truth_by_district(city: City) -> dict[str, float]:
    planted = np.array([sp.latent_trust(p, 0) for p in city.people])
    districts = np.array([p.district for p in city.people])
    expected = expected_index(planted)
    return {code: float(expected[districts == code].mean()) for code in sp.AGE_SHARES}


def test_weighted_trust_by_district_recovers_the_planted_truth(city):
    index, districts = city.trust_index(), city.districts
    truth = truth_by_district(city)
    for code, value in truth.items():
        estimate = mean(index, city.weights, districts, domain=districts == code)
        # Three standard errors (the uncalibrated linearised SE, a conservative one).
        assert abs(estimate.estimate - value) <= 3 * estimate.se, (code, estimate, value)
    # The planted order: Southpark lowest, then Northside; Westhills highest, well apart.
    order = sorted(truth, key=truth.get)
    assert order[0] == "D4" and order[1] == "D1" and order[-1] == "D5"
    assert truth["D5"] - truth["D4"] > 20


def test_unweighted_answers_are_biased_and_weighting_corrects_them(city):
    index, districts = city.trust_index(), city.districts
    planted = np.array([sp.latent_trust(p, 0) for p in city.people])
    truth = float(expected_index(planted).mean())
    weighted = mean(index, city.weights, districts)
    unweighted = float(np.mean(index))
    # Older people and owners trust more and answer more: the raw mean is too high.
    assert unweighted - truth > 3 * weighted.se
    assert abs(weighted.estimate - truth) <= 3 * weighted.se
    assert abs(weighted.estimate - truth) < abs(unweighted - truth) / 2


def test_people_stopped_by_police_trust_much_less(city):
    index, districts = city.trust_index(), city.districts
    stopped = np.array([p.stopped for p in city.respondents])
    were = mean(index, city.weights, districts, domain=stopped)
    were_not = mean(index, city.weights, districts, domain=~stopped)
    gap = were_not.estimate - were.estimate
    # The planted -0.80 standard deviations, at the index's slope near the middle of the scale.
    planted = np.array([sp.latent_trust(p, 0) for p in city.people])
    all_stopped = np.array([p.stopped for p in city.people])
    truth = (
        expected_index(planted[~all_stopped]).mean() - expected_index(planted[all_stopped]).mean()
    )
    assert gap > 15
    assert abs(gap - truth) <= 3 * math.hypot(were.se, were_not.se)


def test_trust_rises_in_southpark_each_quarter_and_nowhere_else(margins):
    rng = np.random.default_rng(5)
    for code, rises in (("D4", True), ("D2", False)):
        people = sp.draw_people(rng, code, 1500, margins[code])
        first = [sp.latent_trust(p, 0) for p in people]
        last = [sp.latent_trust(p, 3) for p in people]
        assert np.mean(last) - np.mean(first) == pytest.approx(
            3 * sp.TRUST_SOUTHPARK_PER_WAVE if rises else 0.0
        )
        answered_first = index_scores(
            np.array([[float(sp.answers(rng, p, 0)[q]) for q in TRUST_ITEMS] for p in people])
        )
        answered_last = index_scores(
            np.array([[float(sp.answers(rng, p, 3)[q]) for q in TRUST_ITEMS] for p in people])
        )
        change = answered_last.mean() - answered_first.mean()
        expected = expected_index(np.array(last)).mean() - expected_index(np.array(first)).mean()
        # Two independent means of about 1,500 indexes with a standard deviation near 25.
        assert abs(change - expected) < 3 * 25 * math.sqrt(2 / len(people))
        assert (change > 5) == rises


def test_women_and_people_over_65_feel_less_safe_after_dark(margins):
    rng = np.random.default_rng(9)
    people = sp.draw_people(rng, "D2", 4000, margins["D2"])
    safe = np.array([int(sp.answers(rng, p, 0)["safety.night"]) >= 4 for p in people])
    female = np.array([p.sex == "female" for p in people])
    oldest = np.array([p.age_band == "65+" for p in people])
    assert safe[female].mean() < safe[~female].mean() - 0.08
    assert safe[oldest].mean() < safe[~oldest].mean() - 0.03
    planted = np.array([sp.safe_night_chance(p) for p in people])
    assert planted[female].mean() < planted[~female].mean()
    # Southpark feels less safe after dark than Riverfront, as planted.
    southpark = sp.draw_people(rng, "D4", 1, margins["D4"])[0]
    riverfront = dataclasses.replace(southpark, district="D2")
    assert sp.safe_night_chance(southpark) < sp.safe_night_chance(riverfront)


# --- What is printed ---------------------------------------------------------------------------


def test_describe_planted_says_what_was_planted():
    lines = sp.describe_planted()
    assert all(isinstance(line, str) and line for line in lines)
    text = "\n".join(lines)
    assert "districts: D1 -0.25, D2 +0.00, D3 +0.05, D4 -0.45, D5 +0.35" in text
    assert "Black -0.45, Hispanic -0.25, 65 and over +0.30, renters -0.10" in text
    assert "stopped in the last year -0.80, called for help +0.15" in text
    assert "Southpark (D4) +0.12 each quarter" in text
    assert "older people and home owners answer more often" in text


def test_describe_planted_follows_the_model_it_describes(monkeypatch):
    monkeypatch.setitem(sp.TRUST_DISTRICT, "D4", -0.6)
    monkeypatch.setattr(sp, "TRUST_STOPPED", -1.1)
    text = "\n".join(sp.describe_planted())
    assert "D4 -0.60" in text
    assert "stopped in the last year -1.10" in text
