"""The demo's community survey: "Riverton community survey", four quarterly waves of a
questionnaire from the question bank (English and Spanish), each with a stratified address
sample whose households answer online (or on paper) with the code of their letter, about one
in five of them, and a phone sample worked by the interviewers (no answer, busy, answering
machines, refusals, callbacks and completes); two focus groups with coded notes; approved
quotes. The first three waves are closed, weighted and published; the last, this quarter's,
is still open, with an interim weighting run.

Everything goes through the surveys app's actions, as the staff pages call them, each at its
own moment in the past (time-machine), by the demo's own staff: the community engagement
officer designs, samples, runs the focus groups and redacts quotes; the analyst imports the
margins, weights and publishes; the interviewer and the engagement officer make the calls.
Who lives where, who answers and what they answer come from `survey_people`, whose planted
differences the summary sets beside the published estimates."""

import datetime
import io
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import time_machine
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone
from scipy.stats import norm

from commonground.accounts.models import Role
from commonground.demo import survey_people as sp
from commonground.demo.names import STAFF_NAMES, STREETS
from commonground.roster.models import District
from commonground.surveys import actions
from commonground.surveys.categories import Variable
from commonground.surveys.models import (
    Basis,
    Channel,
    PhoneCase,
    Recruitment,
    Response,
    Survey,
    Wave,
    WaveStatus,
)
from commonground.surveys.sampling import Allocation
from commonground.surveys.selectors import (
    latest_finished_run,
    primary_basis,
    published_estimates,
)

SLUG = "riverton"
TITLE = {"en": "Riverton community survey", "es": "Encuesta comunitaria de Riverton"}
TOPICS = [
    "safety.day",
    "safety.night",
    "trust.respect",
    "trust.listen",
    "trust.fair",
    "trust.do_right",
    "procedural.explain",
    "procedural.equal",
    "procedural.facts",
    "procedural.voice",
    "satisfaction",
    "problem.top",
    "contact.stopped",
    "contact.complaint",
    "contact.called",
    "demographics.age_band",
    "demographics.sex",
    "demographics.race_ethnicity",
    "demographics.tenure",
    "demographics.district",
    "demographics.language",
]
# The city's address list (a few thousand addresses: enough to sample from each quarter).
ADDRESSES_PER_DISTRICT = 1000
# Each wave's sample: letters per district (equal allocation, so every district has its own
# estimate), and phone numbers for the whole city.
LETTERS_PER_DISTRICT = 240
PHONE_NUMBERS = 100
MAX_CALLS = 3
# The smallest effective sample a published figure rests on. The demo's samples are small, to
# keep it quick; 20 (the default is 30) lets groups of a few dozen respondents show.
MIN_EFFECTIVE_N = 20
WAVES = 4
PUBLISHED = 3
# Respondents who chose Spanish: this share of Hispanic respondents.
SPANISH_SHARE = 0.45
# Paper questionnaires returned instead of answering online (entered by the interviewer).
PAPER_SHARE = 0.12
# Area codes around the demo city, each with the 555-01xx numbers set aside for fiction.
AREA_CODES = ("563", "309", "319")
# The planted truth is the expected index of this many adults drawn per district.
TRUTH_PEOPLE = 20_000
# The question every respondent may answer in their own words (the bank has none).
COMMENT = actions.QuestionData(
    name="comment",
    kind="long_text",
    page=6,
    label={
        "en": "Is there anything else you would like the police to know?",
        "es": "¿Hay algo más que quiera que sepa la policía?",
    },
)
COMMENTS = {
    "low": [
        ("Officers should explain why they stop people.", "es"),
        ("I was stopped twice this year and nobody told me why.", "en"),
        ("Más patrullas a pie y menos coches pasando rápido.", "es"),
        ("It takes too long for anyone to come when we call at night.", "en"),
    ],
    "high": [
        ("The officers at the community meetings listen to us.", "en"),
        ("Thank you to the officers who helped my mother last winter.", "en"),
        ("La policía del barrio es respetuosa con nosotros.", "es"),
        ("Keep up the walking patrols near the park.", "en"),
    ],
}
COMMENT_SHARE = 0.15


@dataclass
class Figure:
    """A published estimate beside what was planted."""

    label: str
    planted: float
    estimate: float | None
    low: float | None
    high: float | None
    method: str = ""


@dataclass
class SurveySummary:
    waves: list[tuple[str, str, dict[str, int]]] = field(default_factory=list)
    focus_groups: int = 0
    themes: int = 0
    excerpts: int = 0
    quotes: int = 0
    published_wave: str = ""
    districts: list[Figure] = field(default_factory=list)
    contact: list[Figure] = field(default_factory=list)
    city: list[Figure] = field(default_factory=list)


def built() -> bool:
    return Survey.objects.filter(slug=SLUG).exists()


def _staff(role: str):
    return get_user_model().objects.get(username=STAFF_NAMES[role][0])


def _at(day: datetime.date, hour: float) -> datetime.datetime:
    """A moment of a local day."""
    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=timezone.get_current_timezone())
    return start + datetime.timedelta(hours=hour)


def populations() -> dict[str, tuple[int, dict[str, int]]]:
    return {
        d.code: (d.population, dict(d.population_by_group))
        for d in District.objects.order_by("code")
    }


def wave_dates(today: datetime.date) -> list[tuple[str, datetime.date, datetime.date]]:
    """(label, opens on, closes on) of four quarters, the last the one running today. A
    quarter that began less than three weeks ago opened its wave three weeks ago, so the live
    wave has some answers."""
    year, quarter = today.year, (today.month - 1) // 3
    found = []
    for back in range(WAVES - 1, -1, -1):
        y, q = divmod(year * 4 + quarter - back, 4)
        opens = datetime.date(y, 3 * q + 1, 1)
        closes = datetime.date(y + (q == 3), (3 * q + 3) % 12 + 1, 1) - datetime.timedelta(days=1)
        found.append((f"{y} Q{q + 1}", opens, closes))
    label, opens, closes = found[-1]
    found[-1] = (label, min(opens, today - datetime.timedelta(days=21)), closes)
    return found


def build(
    *,
    seed: int,
    now: datetime.datetime,
    progress: Callable[[str], None] = lambda _line: None,
    letters_per_district: int = LETTERS_PER_DISTRICT,
    phone_numbers: int = PHONE_NUMBERS,
    addresses_per_district: int = ADDRESSES_PER_DISTRICT,
) -> bool:
    """Create the survey with its waves, samples, responses, weights, focus groups and quotes,
    unless it exists already; whether it was created. Call inside a transaction (the builder
    does): it is there completely or not at all."""
    if built():
        return False
    _SurveyBuilder(
        seed=seed,
        now=now,
        progress=progress,
        letters=letters_per_district,
        numbers=phone_numbers,
        addresses=addresses_per_district,
    ).build()
    return True


class _SurveyBuilder:
    def __init__(self, *, seed, now, progress, letters, numbers, addresses):
        self.rng = np.random.default_rng([seed, 18])
        self.now = now
        self.today = timezone.localdate(now)
        self.progress = progress
        self.letters = letters
        self.numbers = numbers
        self.addresses = addresses
        self.engagement = _staff(Role.COMMUNITY_ENGAGEMENT)
        self.analyst = _staff(Role.ANALYST)
        self.interviewers = [_staff(Role.INTERVIEWER), self.engagement]
        self.districts = {d.code: d for d in District.objects.order_by("code")}
        self.margins = sp.margins(populations())

    def build(self) -> None:
        self.progress("Running the community survey...")
        dates = wave_dates(self.today)
        with time_machine.travel(_at(dates[0][1] - datetime.timedelta(days=30), 10), tick=False):
            self.design()
            self.import_margins()
            self.import_frame()
        for index, (label, opens, closes) in enumerate(dates):
            self.run_wave(index, label, opens, closes)
        self.focus_groups(dates)
        self.quotes()

    # --- Design, margins, the address list -----------------------------------------------

    def design(self) -> None:
        by = self.engagement
        self.survey = actions.create_survey(
            by=by,
            slug=SLUG,
            title=TITLE,
            min_effective_n=MIN_EFFECTIVE_N,
            description={
                "en": "How safe residents feel and how far they trust the police, every quarter.",
                "es": "Cuánto se sienten seguros los vecinos y cuánto confían en la policía, "
                "cada trimestre.",
            },
        )
        self.instrument = actions.build_instrument_from_bank(
            survey=self.survey,
            by=by,
            name="community",
            title={"en": "Community survey", "es": "Encuesta comunitaria"},
            topics=TOPICS,
            languages=["en", "es"],
        )
        actions.save_question(instrument=self.instrument, by=by, data=COMMENT)
        self.names = {q.topic: q.name for q in self.instrument.questions.exclude(topic="")}

    def import_margins(self) -> None:
        lines = ["district,variable,category,population,source,year"]
        for code, variables in self.margins.items():
            for variable, counts in variables.items():
                lines += [
                    f"{code},{variable},{category},{n},Riverton census estimates,{self.today.year - 1}"
                    for category, n in counts.items()
                ]
        rows = actions.import_margins(text="\n".join(lines) + "\n", by=self.analyst)
        self.progress(f"  survey: {rows} population margins imported")

    def import_frame(self) -> None:
        rows = ["line1,line2,city,postcode,district"]
        for code, streets in STREETS.items():
            for n in range(self.addresses):
                street = streets[n % len(streets)]
                number = 100 + 2 * (n // len(streets))
                unit = f"Apt {n % 4 + 1}" if n % 7 == 0 else ""
                rows.append(f"{number} {street},{unit},Riverton,5280{code[-1]},{code}")
        self.frame, _read = actions.import_address_frame(
            survey=self.survey,
            name="Riverton addresses",
            upload=io.BytesIO(("\n".join(rows) + "\n").encode()),
            by=self.engagement,
        )

    # --- A wave ------------------------------------------------------------------------

    def run_wave(self, index: int, label: str, opens: datetime.date, closes: datetime.date):
        live = index >= PUBLISHED
        last_day = self.today - datetime.timedelta(days=1) if live else closes
        with time_machine.travel(_at(opens - datetime.timedelta(days=14), 10), tick=False) as t:
            wave = actions.create_wave(
                survey=self.survey,
                by=self.engagement,
                label=label,
                opens_on=opens,
                closes_on=closes,
                instrument=self.instrument,
            )
            sample = actions.draw_sample(
                wave=wave,
                frame=self.frame,
                by=self.engagement,
                allocation=Allocation.EQUAL,
                total=self.letters * len(self.districts),
                seed=int(self.rng.integers(0, 10**9)),
            )
            self.import_phone_sample(wave)
            actions.set_max_call_attempts(wave=wave, value=MAX_CALLS, by=self.engagement)
            t.move_to(_at(opens, 9))
            actions.transition_wave(wave=wave, to=WaveStatus.OPEN, by=self.engagement)
            issued = []
            while len(issued) < sample.invitations.count():
                issued += actions.issue_letter_codes(sample=sample, by=self.engagement)
            days = max((last_day - opens).days, 1)
            t.move_to(_at(opens + datetime.timedelta(days=min(10, days)), 12))
            answered = self.answer_letters(wave, index, issued)
            self.work_phones(wave, index, t, opens, days)
            if not live:
                t.move_to(_at(closes + datetime.timedelta(days=1), 9))
                actions.transition_wave(wave=wave, to=WaveStatus.CLOSED, by=self.engagement)
                t.move_to(_at(closes + datetime.timedelta(days=3), 11))
            else:
                t.move_to(self.now - datetime.timedelta(hours=2))
            run = actions.run_weighting(wave=wave, by=self.analyst, synchronous=True)
            if run.report.get("status") != "done":
                self.progress(f"  survey: weighting {label} failed: {run.report.get('error')}")
            if not live:
                t.move_to(
                    min(
                        _at(closes + datetime.timedelta(days=20), 10),
                        self.now - datetime.timedelta(hours=1),
                    )
                )
                actions.transition_wave(wave=wave, to=WaveStatus.PUBLISHED, by=self.analyst)
        counts = Counter(Response.objects.filter(wave=wave).values_list("channel", flat=True))
        self.progress(
            f"  survey: wave {label} ({'open' if live else 'published'}): {len(issued)} letters, "
            f"{answered} answered; {counts[Channel.PHONE]} phone interviews; "
            f"{sum(counts.values())} responses"
        )

    def _people(self, district_counts: Counter) -> dict[str, list[sp.Person]]:
        return {
            code: sp.draw_people(self.rng, code, n, self.margins[code])
            for code, n in sorted(district_counts.items())
        }

    def _answers(self, person: sp.Person, index: int, language: str) -> dict:
        given = sp.answers(self.rng, person, index)
        found = {self.names[topic]: value for topic, value in given.items() if topic in self.names}
        # The bank's procedural-justice items, which the generator leaves out, follow the
        # person's answers on trust.
        trust = np.mean([int(given[t]) for t in ("trust.respect", "trust.listen", "trust.fair")])
        for topic in (
            "procedural.explain",
            "procedural.equal",
            "procedural.facts",
            "procedural.voice",
        ):
            found[self.names[topic]] = str(
                int(np.clip(round(trust + self.rng.normal(0, 0.7)), 1, 5))
            )
        at_home = "es" if language == "es" else ("other" if self.rng.random() < 0.04 else "en")
        found[self.names["demographics.language"]] = at_home
        if self.rng.random() < COMMENT_SHARE:
            pool = COMMENTS["low" if int(given["trust.fair"]) <= 2 else "high"]
            matching = [text for text, lang in pool if lang == language] or [pool[0][0]]
            found["comment"] = str(self.rng.choice(matching))
        return found

    def _language(self, person: sp.Person) -> str:
        return "es" if person.race == "hispanic" and self.rng.random() < SPANISH_SHARE else "en"

    def answer_letters(self, wave: Wave, index: int, issued: list) -> int:
        """About one household in five answers its letter, online or on paper."""
        people = self._people(Counter(inv.district.code for inv, _code in issued))
        answered = 0
        for invitation, code in issued:
            person = people[invitation.district.code].pop()
            if not sp.responds(self.rng, person):
                continue
            language = self._language(person)
            answers = self._answers(person, index, language)
            if self.rng.random() < PAPER_SHARE:
                actions.enter_paper_response(
                    wave=wave,
                    answers=answers,
                    language=language,
                    by=self.interviewers[0],
                    invitation_code=code,
                )
            else:
                actions.submit_response(
                    wave=wave,
                    answers=answers,
                    language=language,
                    channel=Channel.WEB,
                    recruitment=Recruitment.ADDRESS_SAMPLE,
                    invitation_code=code,
                )
            answered += 1
        return answered

    # --- The phone sample ----------------------------------------------------------------

    def import_phone_sample(self, wave: Wave) -> None:
        adults = {code: sum(v[Variable.SEX].values()) for code, v in self.margins.items()}
        codes = list(adults)
        share = np.array([adults[c] for c in codes], dtype=float)
        drawn = self.rng.choice(codes, size=self.numbers, p=share / share.sum())
        people = self._people(Counter(str(c) for c in drawn))
        numbers = [f"({area}) 555-{n:04d}" for area in AREA_CODES for n in range(100, 200)]
        chosen = self.rng.choice(len(numbers), size=self.numbers, replace=False)
        rows, self.callees = ["phone,district,language"], {}
        for number, code in zip(chosen, drawn, strict=True):
            person = people[str(code)].pop()
            rows.append(f"{numbers[number]},{code},{self._language(person)}")
            self.callees[numbers[number][-4:] + numbers[number][1:4]] = person
        actions.import_phone_sample(
            wave=wave, content=("\n".join(rows) + "\n").encode(), by=self.engagement
        )

    def work_phones(self, wave: Wave, index: int, traveller, opens: datetime.date, days: int):
        """Rounds of calls on evenings of the fieldwork: each number is worked until it is
        finished (an interview, a refusal, a number that is not a household's) or has had
        its MAX_CALLS calls."""
        people = {}
        for case in PhoneCase.objects.filter(wave=wave).only("pk", "phone", "language"):
            number = case.phone["number"]  # +1AAA555NNNN
            people[case.pk] = self.callees[number[-4:] + number[2:5]]
        plan = {}
        for pk, person in people.items():
            roll = self.rng.random()
            plan[pk] = {
                "ineligible": roll < 0.06,
                # Whether someone reached agrees: the letter's chance, since not being reached
                # is drawn here (survey_people's phone factor counts both).
                "agrees": sp.responds(self.rng, person),
                "reached_on": int(self.rng.choice([1, 1, 1, 2, 2, 3, 9])),
            }
        rounds = [
            _at(
                opens + datetime.timedelta(days=round(days * (r + 1) / (MAX_CALLS + 2))), 17 + r % 3
            )
            for r in range(MAX_CALLS + 1)
        ]
        for r, moment in enumerate(rounds):
            traveller.move_to(moment)
            turn = 0
            while True:
                by = self.interviewers[turn % 2]
                case = actions.take_next_phone_case(wave=wave, by=by)
                if case is None:
                    break
                turn += 1
                self._call(case, plan[case.pk], people[case.pk], index, by, rounds[r + 1 :])

    def _call(self, case, plan: dict, person, index: int, by, later: list) -> None:
        attempt = case.attempts + 1
        if plan["ineligible"]:
            actions.record_call(case=case, disposition="4.31", by=by)
        elif attempt < plan["reached_on"]:
            code = str(self.rng.choice(["3.13", "3.13", "3.13", "3.14", "3.12"]))
            actions.record_call(case=case, disposition=code, by=by)
        elif not plan["agrees"]:
            actions.record_call(case=case, disposition="2.11", by=by)
        elif later and not plan.get("booked") and self.rng.random() < 0.2:
            plan["booked"] = True
            actions.record_call(
                case=case,
                disposition="callback",
                callback_at=later[0] - datetime.timedelta(minutes=30),
                by=by,
            )
        else:
            answers = self._answers(person, index, case.language)
            actions.save_interview_page(case=case, answers=answers, page=6, by=by)
            actions.finish_interview(case=case, by=by)

    # --- Focus groups and quotes -----------------------------------------------------------

    def focus_groups(self, dates) -> None:
        by = self.engagement
        themes = {}
        for code, en, es in THEMES:
            with time_machine.travel(_at(dates[1][1], 10), tick=False):
                themes[code] = actions.save_theme(
                    survey=self.survey, by=by, code=code, label={"en": en, "es": es}
                )
        for wave_index, session in ((1, FOCUS_GROUPS[0]), (2, FOCUS_GROUPS[1])):
            label, opens, _closes = dates[wave_index]
            held_on = opens + datetime.timedelta(days=session["day"])
            with time_machine.travel(_at(held_on, 20), tick=False):
                group = actions.record_focus_group(
                    survey=self.survey,
                    by=by,
                    title=session["title"],
                    facilitator=by,
                    held_on=held_on,
                    place=session["place"],
                    language=session["language"],
                    wave=Wave.objects.get(survey=self.survey, label=label),
                    notes="\n".join(text for _tag, _theme, text in session["notes"]),
                )
                participants = {}
                for tag, age, sex, race, tenure in session["participants"]:
                    participants[tag] = actions.add_participant(
                        group=group,
                        by=by,
                        label=tag,
                        age_band=age,
                        sex=sex,
                        race_ethnicity=race,
                        tenure=tenure,
                        district=self.districts[session["district"]],
                    )
                for tag, theme, text in session["notes"]:
                    if theme:
                        actions.code_excerpt(
                            group=group,
                            by=by,
                            theme=themes[theme],
                            excerpt=text,
                            participant=participants.get(tag),
                        )

    def quotes(self) -> None:
        """Two comments of the last published wave, redacted by the engagement officer and
        approved for its page by the analyst (a quote's second reader)."""
        from commonground.surveys.selectors import text_answers

        wave = Wave.objects.filter(survey=self.survey, status=WaveStatus.PUBLISHED).order_by(
            "-opens_on"
        )[0]
        comment = wave.instrument.questions.get(name="comment")
        with time_machine.travel(
            min(_at(wave.closes_on + datetime.timedelta(days=25), 11), self.now), tick=False
        ):
            actions.note_text_answers_read(wave=wave, by=self.engagement)
            said = list(dict.fromkeys(a.text for a in text_answers(wave)))
            for text in said[:2]:
                quote = actions.make_quote(
                    wave=wave, question=comment, text=text, by=self.engagement
                )
                actions.approve_quote(quote=quote, by=self.analyst)


THEMES = [
    ("slow_response", "Slow response to calls", "Respuesta lenta a las llamadas"),
    ("respect", "Respectful treatment", "Trato respetuoso"),
    ("unexplained_stops", "Stops without explanation", "Paradas sin explicación"),
    ("visible_patrols", "Wanting patrols on foot", "Deseo de patrullas a pie"),
]
FOCUS_GROUPS = [
    {
        "title": "Southpark residents, evening session",
        "place": "Southpark community centre",
        "district": "D4",
        "language": "en",
        "day": 30,
        "participants": [
            ("P1", "18-24", "male", "black", "renter"),
            ("P2", "25-34", "female", "black", "renter"),
            ("P3", "45-54", "female", "hispanic", "owner"),
            ("P4", "65+", "male", "white", "owner"),
            ("P5", "35-44", "male", "black", "renter"),
            ("P6", "55-64", "female", "black", "owner"),
        ],
        "notes": [
            ("P1", "unexplained_stops", "P1 said he was stopped walking home and nobody said why."),
            (
                "P5",
                "unexplained_stops",
                "P5 agreed: the stops feel random and nobody explains them.",
            ),
            (
                "P2",
                "slow_response",
                "P2 said it took over an hour for a car to come after a break-in.",
            ),
            (
                "P4",
                "respect",
                "P4 said the officers at the block meeting were respectful and listened.",
            ),
            ("P6", "visible_patrols", "P6 would like officers on foot near the bus station."),
            ("", "", "The group agreed to come back for the next meeting."),
        ],
    },
    {
        "title": "Grupo de vecinos de Eastgate",
        "place": "Biblioteca de Eastgate",
        "district": "D3",
        "language": "es",
        "day": 40,
        "participants": [
            ("P1", "25-34", "female", "hispanic", "renter"),
            ("P2", "35-44", "male", "hispanic", "renter"),
            ("P3", "55-64", "female", "hispanic", "owner"),
            ("P4", "18-24", "male", "hispanic", "renter"),
            ("P5", "45-54", "female", "white", "owner"),
        ],
        "notes": [
            ("P1", "visible_patrols", "P1 dijo que quiere ver más policías a pie en el parque."),
            ("P3", "slow_response", "P3 dijo que de noche la policía tarda mucho en llegar."),
            ("P4", "unexplained_stops", "P4 contó que lo pararon dos veces sin explicación."),
            ("P2", "respect", "P2 dijo que el agente que habla español lo trató con respeto."),
            ("", "visible_patrols", "El grupo pidió patrullas a pie en la calle principal."),
        ],
    },
]


# --- What the summary prints ---------------------------------------------------------------

TRUST_SHIFTS = (0.1, -0.1, 0.0, 0.05)  # survey_people.answers' four trust items
ITEM_SD = math.hypot(0.8, 0.5)


def expected_index(planted: np.ndarray) -> np.ndarray:
    """The expected trust index (0-100) of people with these planted latent means: each item
    is 1 plus the cut points below latent + shift + noise (survey_people.answers)."""
    total = np.zeros(len(planted))
    for shift in TRUST_SHIFTS:
        z = (planted[:, None] + shift - sp._CUTS[None, :]) / ITEM_SD
        total += norm.cdf(z).sum(axis=1) / len(sp._CUTS) * 100
    return total / len(TRUST_SHIFTS)


def planted_truth(wave_index: int, seed: int = 0) -> dict[tuple[str, str], float]:
    """The trust index the planted model gives the city's adults in a wave: by district
    ("district", code), by contact ("contact_stopped", "yes"/"no") and for everyone
    ("all", "all")."""
    rng = np.random.default_rng([seed, 19])
    margins = sp.margins(populations())
    people, weights = [], []
    for code in sorted(margins):
        drawn = sp.draw_people(rng, code, TRUTH_PEOPLE, margins[code])
        people += drawn
        adults = sum(margins[code][Variable.SEX].values())
        weights += [adults / TRUTH_PEOPLE] * len(drawn)
    index = expected_index(np.array([sp.latent_trust(p, wave_index) for p in people]))
    weights = np.array(weights)
    districts = np.array([p.district for p in people])
    stopped = np.array([p.stopped for p in people])
    found = {("all", "all"): float(np.average(index, weights=weights))}
    for code in margins:
        found[("district", code)] = float(index[districts == code].mean())
    found[("contact_stopped", "yes")] = float(np.average(index[stopped], weights=weights[stopped]))
    found[("contact_stopped", "no")] = float(np.average(index[~stopped], weights=weights[~stopped]))
    return found


def summarise() -> SurveySummary | None:
    """What the survey holds, and the last published wave's trust index beside the truth."""
    survey = Survey.objects.filter(slug=SLUG).first()
    if survey is None:
        return None
    summary = SurveySummary()
    waves = list(survey.waves.order_by("opens_on"))
    for wave in waves:
        counts = dict(
            Response.objects.filter(wave=wave)
            .values_list("channel")
            .annotate(n=Count("pk"))
            .values_list("channel", "n")
        )
        summary.waves.append((wave.label, wave.status, counts))
    groups = survey.focus_groups.all()
    summary.focus_groups = groups.count()
    summary.themes = survey.themes.count()
    summary.excerpts = sum(g.excerpts.count() for g in groups)
    summary.quotes = sum(w.quotes.filter(approved=True).count() for w in waves)
    published = [w for w in waves if w.status == WaveStatus.PUBLISHED]
    if not published:
        return summary
    wave = published[-1]
    summary.published_wave = wave.label
    run = latest_finished_run(wave)
    if run is None:
        return summary
    truth = planted_truth(waves.index(wave))
    estimates = {
        (e.domain, e.domain_value): e
        for e in published_estimates(wave).filter(basis=primary_basis(run), measure="trust_index")
    }
    names = dict(District.objects.values_list("code", "name"))

    def figure(key, label) -> Figure:
        found = estimates.get(key)
        return Figure(
            label=label,
            planted=truth[key],
            estimate=found.value if found else None,
            low=found.low if found else None,
            high=found.high if found else None,
            method=found.method if found else "",
        )

    unweighted = published_estimates(wave).filter(
        basis=Basis.UNWEIGHTED, measure="trust_index", domain="all"
    )
    summary.city = [figure(("all", "all"), "everyone")]
    if unweighted:
        raw = unweighted[0]
        summary.city.append(
            Figure("everyone, unweighted", truth[("all", "all")], raw.value, raw.low, raw.high)
        )
    summary.districts = [
        figure(("district", code), f"{code} {names.get(code, '')}")
        for (kind, code) in truth
        if kind == "district"
    ]
    summary.contact = [
        figure(("contact_stopped", "yes"), "stopped in the last year"),
        figure(("contact_stopped", "no"), "not stopped"),
    ]
    return summary


def describe(summary: SurveySummary | None) -> list[str]:
    if summary is None:
        return []
    lines = ["", "Community survey (Riverton community survey):"]
    for label, status, counts in summary.waves:
        by_channel = ", ".join(f"{channel} {n}" for channel, n in sorted(counts.items()))
        lines.append(f"  {label}: {status}, {sum(counts.values())} responses ({by_channel})")
    lines.append(
        f"  {summary.focus_groups} focus groups, {summary.excerpts} coded excerpts in "
        f"{summary.themes} themes; {summary.quotes} approved quotes"
    )
    lines += ["", *sp.describe_planted()]
    if not summary.published_wave:
        return lines
    lines += [
        "",
        f"Trust index (0-100), planted truth vs the published estimate of {summary.published_wave} "
        "(95% interval):",
    ]
    for one in [*summary.city, *summary.districts, *summary.contact]:
        if one.estimate is None:
            shown = "withheld"
        else:
            shown = f"{one.estimate:5.1f} ({one.low:.1f} to {one.high:.1f})"
            if one.method and one.method != "direct":
                shown += f" [{one.method}]"
        lines.append(f"  {one.label:<26} planted {one.planted:5.1f}   estimated {shown}")
    return lines
