"""The demo city's adults as a resident survey meets them: who lives in each district (the
population margins), who answers a letter or a call (older people and home owners more often,
so raw answers lean their way and weighting has something to correct), and what they answer,
with differences planted on purpose so the estimates can be checked against them.

What is planted (on a latent trust score, in standard deviations, and on the chance of feeling
safe after dark), printed by `describe_planted()` and compared with what the estimates recover:
- districts: Southpark (D4) and Northside (D1) trust the police less, Westhills (D5) more;
- groups: Black and Hispanic residents trust less, people 65 and over more, renters a little less;
- contact: someone stopped by police in the last year trusts much less; someone who called for
  help a little more;
- waves: trust rises a little each quarter in Southpark (a district where the agency worked);
- safety after dark: lower in Southpark and Eastgate, for women, and for people over 65.

Everything is drawn from one seeded numpy generator: the same seed gives the same city."""

from dataclasses import dataclass

import numpy as np

from commonground.surveys.categories import AgeBand, SurveySex, Tenure, Variable

ADULT_SHARE = 0.78
AGE_BANDS = [band.value for band in AgeBand]
SEXES = [sex.value for sex in SurveySex]
TENURES = [tenure.value for tenure in Tenure]
# The roster's groups, in the order the demo districts list their populations.
RACES = ["asian/pacific islander", "black", "hispanic", "white", "other"]

# Age bands' shares of adults, per district (a younger Riverfront, an older Westhills).
AGE_SHARES = {
    "D1": (0.14, 0.20, 0.18, 0.17, 0.15, 0.16),
    "D2": (0.22, 0.26, 0.17, 0.13, 0.11, 0.11),
    "D3": (0.15, 0.19, 0.18, 0.17, 0.15, 0.16),
    "D4": (0.16, 0.20, 0.18, 0.16, 0.14, 0.16),
    "D5": (0.10, 0.15, 0.16, 0.18, 0.19, 0.22),
}
OWNER_SHARE = {"D1": 0.48, "D2": 0.31, "D3": 0.52, "D4": 0.41, "D5": 0.72}
FEMALE_SHARE = 0.515

# The planted model: effects on the latent trust score (standard deviations).
TRUST_BASE = 0.25
TRUST_DISTRICT = {"D1": -0.25, "D2": 0.0, "D3": 0.05, "D4": -0.45, "D5": 0.35}
TRUST_RACE = {"black": -0.45, "hispanic": -0.25}
TRUST_OLDEST = 0.30  # aged 65 or over
TRUST_RENTER = -0.10
TRUST_STOPPED = -0.80
TRUST_CALLED = 0.15
# Each quarter after the first, in Southpark only.
TRUST_SOUTHPARK_PER_WAVE = 0.12
# Log-odds of feeling safe after dark.
SAFE_NIGHT_BASE = 0.9
SAFE_NIGHT_DISTRICT = {"D3": -0.6, "D4": -0.9}
SAFE_NIGHT_FEMALE = -0.7
SAFE_NIGHT_OLDEST = -0.4
# Chance of contact with police in the last year.
STOPPED_BASE = 0.07
STOPPED_YOUNG_MAN = 0.12  # added for men aged 18 to 34
STOPPED_RACE = {"black": 0.08, "hispanic": 0.04}
CALLED_BASE = 0.18
COMPLAINED = 0.02
# Chance a sampled household answers a letter (about one in five on average) or a call.
RESPONSE_BY_AGE = (0.10, 0.13, 0.17, 0.21, 0.26, 0.32)
RESPONSE_OWNER_FACTOR = 1.35
PHONE_RESPONSE_FACTOR = 0.55
# Top neighbourhood problems, and how likely each is named, per district.
PROBLEMS = ["speeding", "drugs", "break_ins", "noise", "litter", "violence", "other"]
PROBLEM_WEIGHTS = {
    "D1": (3, 3, 2, 1, 1, 2, 1),
    "D2": (2, 1, 2, 4, 2, 1, 1),
    "D3": (3, 2, 3, 1, 2, 1, 1),
    "D4": (2, 4, 2, 1, 1, 4, 1),
    "D5": (5, 1, 2, 1, 1, 0.5, 1),
}


def margins(populations: dict[str, int]) -> dict[str, dict[str, dict[str, int]]]:
    """{district: {variable: {category: adults}}} for the weighting variables, from each
    district's total population; every variable of a district sums to the same adult total."""
    found = {}
    for code, (population, by_race) in populations.items():
        adults = round(population * ADULT_SHARE)
        race_total = sum(by_race.values()) or 1
        found[code] = {
            Variable.AGE_BAND: _split(adults, dict(zip(AGE_BANDS, AGE_SHARES[code], strict=True))),
            Variable.SEX: _split(adults, {"female": FEMALE_SHARE, "male": 1 - FEMALE_SHARE}),
            Variable.RACE_ETHNICITY: _split(
                adults, {race: by_race.get(race, 0) / race_total for race in RACES}
            ),
            Variable.TENURE: _split(
                adults, {"owner": OWNER_SHARE[code], "renter": 1 - OWNER_SHARE[code]}
            ),
        }
    return found


def _split(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Whole numbers in these shares that add up to `total` exactly (largest remainders)."""
    raw = {key: total * share / sum(shares.values()) for key, share in shares.items()}
    counts = {key: int(value) for key, value in raw.items()}
    for key in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[
        : total - sum(counts.values())
    ]:
        counts[key] += 1
    return counts


@dataclass
class Person:
    district: str
    age_band: str
    sex: str
    race: str
    tenure: str
    stopped: bool
    called: bool
    complained: bool


def draw_people(rng: np.random.Generator, district: str, count: int, margin: dict) -> list[Person]:
    """`count` adults of a district, each trait drawn from the district's margins (traits
    independent of each other, as raking assumes), and their contact with police."""

    def draw(variable):
        shares = margin[variable]
        keys = list(shares)
        weights = np.array([shares[k] for k in keys], dtype=float)
        return rng.choice(keys, size=count, p=weights / weights.sum())

    ages, sexes = draw(Variable.AGE_BAND), draw(Variable.SEX)
    races, tenures = draw(Variable.RACE_ETHNICITY), draw(Variable.TENURE)
    people = []
    for age, sex, race, tenure in zip(ages, sexes, races, tenures, strict=True):
        young_man = sex == "male" and age in ("18-24", "25-34")
        stopped_p = (
            STOPPED_BASE + STOPPED_RACE.get(race, 0) + (STOPPED_YOUNG_MAN if young_man else 0)
        )
        people.append(
            Person(
                district=district,
                age_band=str(age),
                sex=str(sex),
                race=str(race),
                tenure=str(tenure),
                stopped=bool(rng.random() < stopped_p),
                called=bool(rng.random() < CALLED_BASE),
                complained=bool(rng.random() < COMPLAINED),
            )
        )
    return people


def responds(rng: np.random.Generator, person: Person, *, phone: bool = False) -> bool:
    chance = RESPONSE_BY_AGE[AGE_BANDS.index(person.age_band)]
    chance *= RESPONSE_OWNER_FACTOR if person.tenure == "owner" else 1.0
    chance *= PHONE_RESPONSE_FACTOR if phone else 1.0
    return bool(rng.random() < min(chance, 0.95))


def latent_trust(person: Person, wave_index: int) -> float:
    """The planted mean of a person's trust score (before their own noise)."""
    score = TRUST_BASE + TRUST_DISTRICT[person.district] + TRUST_RACE.get(person.race, 0.0)
    score += TRUST_OLDEST if person.age_band == "65+" else 0.0
    score += TRUST_RENTER if person.tenure == "renter" else 0.0
    score += TRUST_STOPPED if person.stopped else 0.0
    score += TRUST_CALLED if person.called else 0.0
    if person.district == "D4":
        score += TRUST_SOUTHPARK_PER_WAVE * wave_index
    return score


def safe_night_chance(person: Person) -> float:
    logit = SAFE_NIGHT_BASE + SAFE_NIGHT_DISTRICT.get(person.district, 0.0)
    logit += SAFE_NIGHT_FEMALE if person.sex == "female" else 0.0
    logit += SAFE_NIGHT_OLDEST if person.age_band == "65+" else 0.0
    return float(1 / (1 + np.exp(-logit)))


# Cut points turning a trust score plus an item's noise into answers 1..5 (strongly disagree
# .. strongly agree).
_CUTS = np.array([-1.3, -0.5, 0.2, 1.1])


def answers(rng: np.random.Generator, person: Person, wave_index: int) -> dict[str, object]:
    """A person's answers by question-bank topic: agreement items as "1".."5", yes/no as
    "yes"/"no", the 0-10 satisfaction as a number, the top problem as a code."""
    trust = latent_trust(person, wave_index) + rng.normal(0, 0.8)

    def agreement(shift: float = 0.0) -> str:
        return str(int(np.searchsorted(_CUTS, trust + shift + rng.normal(0, 0.5))) + 1)

    safe_night = rng.random() < safe_night_chance(person)
    safe_day = rng.random() < min(0.97, safe_night_chance(person) + 0.3)
    found = {
        "trust.respect": agreement(0.1),
        "trust.listen": agreement(-0.1),
        "trust.fair": agreement(0.0),
        "trust.do_right": agreement(0.05),
        "safety.day": agreement(1.2) if safe_day else agreement(-1.5),
        "safety.night": agreement(1.0) if safe_night else agreement(-1.6),
        "satisfaction": float(np.clip(round(5 + 2.2 * trust + rng.normal(0, 1.2)), 0, 10)),
        "problem.top": str(
            rng.choice(
                PROBLEMS,
                p=np.array(PROBLEM_WEIGHTS[person.district])
                / sum(PROBLEM_WEIGHTS[person.district]),
            )
        ),
        "demographics.age_band": person.age_band,
        "demographics.sex": person.sex,
        "demographics.race_ethnicity": person.race,
        "demographics.tenure": person.tenure,
        "demographics.district": person.district,
        "contact.stopped": "yes" if person.stopped else "no",
        "contact.called": "yes" if person.called else "no",
        "contact.complaint": "yes" if person.complained else "no",
    }
    return found


def describe_planted() -> list[str]:
    """What the demo planted, in lines for the console."""
    return [
        "Planted in the survey answers (latent trust, in standard deviations):",
        "  districts: " + ", ".join(f"{d} {v:+.2f}" for d, v in TRUST_DISTRICT.items()),
        f"  Black {TRUST_RACE['black']:+.2f}, Hispanic {TRUST_RACE['hispanic']:+.2f}, "
        f"65 and over {TRUST_OLDEST:+.2f}, renters {TRUST_RENTER:+.2f}",
        f"  stopped in the last year {TRUST_STOPPED:+.2f}, called for help {TRUST_CALLED:+.2f}",
        f"  Southpark (D4) {TRUST_SOUTHPARK_PER_WAVE:+.2f} each quarter",
        "  feeling safe after dark: lower in D3 and D4, for women and for people 65 and over",
        "  answering: older people and home owners answer more often (weighting corrects it)",
    ]
