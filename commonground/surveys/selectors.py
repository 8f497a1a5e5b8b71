"""Every read of the surveys app. Each area keeps its selectors in a block of its own."""

# --- results: margins, a wave's frames for weighting, rates, estimates, index trends ---------

import datetime
from collections import defaultdict
from dataclasses import dataclass

import polars as pl
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Case as CaseWhen
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from commonground.accounts.rules import can, require
from commonground.roster.models import Agency, District
from commonground.surveys import codes
from commonground.surveys import phone as phone_rules
from commonground.surveys.categories import CATEGORIES, Variable
from commonground.surveys.models import (
    CHOICE_KINDS,
    NUMBER_KINDS,
    PROBABILITY_RECRUITMENT,
    TEXT_KINDS,
    AddressFrame,
    Answer,
    Basis,
    ChoiceList,
    CodedExcerpt,
    Draft,
    Estimate,
    FocusGroup,
    Instrument,
    Invitation,
    PhoneCase,
    PhoneCaseStatus,
    PopulationMargin,
    Question,
    QuestionKind,
    Quote,
    Response,
    Sample,
    SampleKind,
    Survey,
    Theme,
    Wave,
    WaveStatus,
    WeightingRun,
)
from commonground.surveys.results import INDEX_TOPICS, WaveData
from commonground.surveys.statistics import aapor


def get_wave_for_results(user, pk: int, permission: str = "surveys.results") -> Wave:
    require(user, permission)
    return get_object_or_404(Wave.objects.select_related("survey", "instrument"), pk=pk)


def waves_for_results() -> QuerySet[Wave]:
    return (
        Wave.objects.select_related("survey")
        .annotate(responses_count=Count("responses", distinct=True))
        .order_by("survey__slug", "-opens_on", "-pk")
    )


def margins_by_district() -> dict[str, dict[str, dict[str, int]]]:
    """{district code: {variable: {category: population}}} of every margin kept."""
    found: dict = defaultdict(lambda: defaultdict(dict))
    rows = PopulationMargin.objects.values_list(
        "district__code", "variable", "category", "population"
    )
    for code, variable, category, population in rows:
        found[code][variable][category] = population
    return {code: dict(variables) for code, variables in found.items()}


@dataclass(frozen=True)
class MarginCheck:
    """One district's margins beside what the roster keeps (its population, and by race or
    ethnicity for the stop benchmark)."""

    district: District
    totals: dict[str, int]  # variable -> sum of its categories
    roster_population: int
    roster_by_group: dict[str, int]
    margins: dict[str, dict[str, int]]

    @property
    def agrees(self) -> bool:
        """Every variable's total within 2% of the roster's population."""
        if not self.roster_population:
            return not self.totals
        return all(
            abs(total - self.roster_population) <= 0.02 * self.roster_population
            for total in self.totals.values()
        )


def margin_checks() -> list[MarginCheck]:
    margins = margins_by_district()
    checks = []
    for district in District.objects.order_by("code"):
        kept = margins.get(district.code, {})
        checks.append(
            MarginCheck(
                district=district,
                totals={variable: sum(c.values()) for variable, c in kept.items()},
                roster_population=district.population,
                roster_by_group=dict(district.population_by_group or {}),
                margins=kept,
            )
        )
    return checks


def margin_rows() -> QuerySet[PopulationMargin]:
    return PopulationMargin.objects.select_related("district").order_by(
        "district__code", "variable", "category"
    )


def _first_choice(rows) -> dict:
    found = {}
    for respondent, value in rows:
        found.setdefault(respondent, value)
    return found


def wave_data(wave: Wave) -> WaveData:
    """The wave's responses and answers as the frames `results.weigh_and_estimate` reads."""
    questions = list(wave.instrument.questions.all())
    variables = [q for q in questions if q.variable]
    measures = [
        q
        for q in questions
        if not q.variable and (q.kind in CHOICE_KINDS or q.kind in NUMBER_KINDS)
    ]
    responses = list(
        Response.objects.filter(wave=wave).values_list(
            "id", "recruitment", "design_weight", "district__code"
        )
    )
    ids = [r[0] for r in responses]
    columns: dict[str, dict] = {}
    for question in variables:
        columns[question.variable] = _first_choice(
            Answer.objects.filter(response__wave=wave, question=question, choice__isnull=False)
            .order_by("response_id", "choice__position")
            .values_list("response_id", "choice__value")
        )
    district_answers = columns.pop(str(Variable.DISTRICT), {})
    frame = {
        "respondent": pl.Series(ids, dtype=pl.Int64),
        "recruitment": [r[1] for r in responses],
        "design_weight": pl.Series([r[2] for r in responses], dtype=pl.Float64),
        str(Variable.DISTRICT): pl.Series(
            [r[3] or district_answers.get(r[0]) for r in responses], dtype=pl.String
        ),
    }
    for variable, values in columns.items():
        frame[variable] = pl.Series([values.get(i) for i in ids], dtype=pl.String)
    answer_rows = Answer.objects.filter(
        response__wave=wave, question__in=[q.pk for q in measures]
    ).values_list("response_id", "question__name", "choice__value", "number")
    answers = pl.DataFrame(
        list(answer_rows),
        schema={
            "respondent": pl.Int64,
            "question": pl.String,
            "choice": pl.String,
            "value": pl.Float64,
        },
        orient="row",
    )
    index_items = {
        index: [
            q.name
            for q in questions
            if q.kind == QuestionKind.AGREEMENT and q.topic.startswith(prefix)
        ]
        for index, prefix in INDEX_TOPICS.items()
    }
    ranges = {q.name: (0.0, 10.0) for q in measures if q.kind == QuestionKind.SCALE}
    ranges.update({index: (0.0, 100.0) for index in INDEX_TOPICS})
    return WaveData(
        respondents=pl.DataFrame(frame),
        answers=answers,
        variables=sorted(columns),
        index_items=index_items,
        ranges=ranges,
        probability={str(r) for r in PROBABILITY_RECRUITMENT},
    )


# --- publish: what the public may see of a survey, and the text answers staff redact ------------


def published_waves() -> QuerySet[Wave]:
    """The waves whose results are public: published ones, and nothing else, ever."""
    return (
        Wave.objects.filter(status=WaveStatus.PUBLISHED)
        .select_related("survey", "instrument")
        .order_by("survey__slug", "opens_on", "pk")
    )


def published_surveys() -> QuerySet[Survey]:
    return Survey.objects.filter(
        Exists(Wave.objects.filter(survey=OuterRef("pk"), status=WaveStatus.PUBLISHED))
    ).order_by("slug")


def get_published_survey(slug: str) -> Survey:
    survey = published_surveys().filter(slug=slug).first()
    if survey is None:
        raise Http404("No published survey has this name.")
    return survey


def latest_run(wave: Wave) -> WeightingRun | None:
    return wave.weighting_runs.order_by("-ran_at", "-pk").first()


def latest_finished_run(wave: Wave) -> WeightingRun | None:
    return wave.weighting_runs.filter(report__status="done").order_by("-ran_at", "-pk").first()


def previous_figures(wave: Wave) -> dict[str, dict[tuple, float]]:
    """The district figures of the survey's wave before this one (its latest finished run),
    per basis: a covariate of the small-area model."""
    before = (
        Wave.objects.filter(survey=wave.survey, opens_on__lt=wave.opens_on)
        .order_by("-opens_on", "-pk")
        .first()
    )
    run = latest_finished_run(before) if before else None
    if run is None:
        return {}
    found: dict = defaultdict(dict)
    rows = run.estimates.filter(domain=str(Variable.DISTRICT), value__isnull=False).values_list(
        "basis", "measure", "choice", "domain_value", "value"
    )
    for basis, measure, choice, district, value in rows:
        found[basis][(measure, choice, district)] = value
    return dict(found)


@dataclass(frozen=True)
class ChannelRates:
    channel: str  # "mail" (letters: online or paper answers) or "telephone"
    cases: int
    rates: aapor.Rates


def invitation_disposition(invitation) -> str:
    """A letter's final AAPOR code: complete when its code was used, what staff recorded, or
    nothing ever returned (never printed: not mailed)."""
    if invitation.used:
        return "1.1"
    if invitation.disposition in aapor.DISPOSITIONS[aapor.Mode.MAIL]:
        return invitation.disposition
    return "3.19" if invitation.letter_printed else "3.11"


def phone_disposition(case) -> str:
    """A phone case's AAPOR code: complete, its last disposition, or not yet worked."""
    if case.used:
        return "1.1"
    if case.disposition in aapor.DISPOSITIONS[aapor.Mode.TELEPHONE]:
        return case.disposition
    return "3.11" if not case.attempts else "3.13"


def channel_rates(wave: Wave) -> list[ChannelRates]:
    rates = []
    letters: dict[str, int] = defaultdict(int)
    for invitation in Invitation.objects.filter(wave=wave).only(
        "used", "disposition", "letter_printed"
    ):
        letters[invitation_disposition(invitation)] += 1
    if letters:
        rates.append(
            ChannelRates("mail", sum(letters.values()), aapor.rates(letters, mode=aapor.Mode.MAIL))
        )
    calls: dict[str, int] = defaultdict(int)
    for case in PhoneCase.objects.filter(wave=wave).only("used", "disposition", "attempts"):
        calls[phone_disposition(case)] += 1
    if calls:
        rates.append(
            ChannelRates(
                "telephone", sum(calls.values()), aapor.rates(calls, mode=aapor.Mode.TELEPHONE)
            )
        )
    return rates


def response_counts(wave: Wave) -> list[dict]:
    return list(
        Response.objects.filter(wave=wave)
        .values("channel", "recruitment")
        .annotate(count=Count("id"))
        .order_by("channel", "recruitment")
    )


def estimates_of(run: WeightingRun, basis: str) -> QuerySet[Estimate]:
    return run.estimates.filter(basis=basis).order_by("measure", "choice", "domain", "domain_value")


def primary_basis(run: WeightingRun) -> str:
    return (
        Basis.PROBABILITY if run.estimates.filter(basis=Basis.PROBABILITY).exists() else Basis.ALL
    )


@dataclass(frozen=True)
class TrendPoint:
    wave: Wave
    district: str  # "all" or a district code
    estimate: Estimate


def index_trend(wave: Wave, index: str) -> list[TrendPoint]:
    """The index for everyone and by district in each of the survey's waves up to this one,
    from each wave's latest finished run, on its primary basis."""
    points = []
    waves = Wave.objects.filter(survey=wave.survey, opens_on__lte=wave.opens_on).order_by(
        "opens_on", "pk"
    )
    for one in waves:
        run = latest_finished_run(one)
        if run is None:
            continue
        basis = primary_basis(run)
        for estimate in run.estimates.filter(
            basis=basis, measure=index, domain__in=["all", str(Variable.DISTRICT)]
        ).order_by("domain", "domain_value"):
            district = "all" if estimate.domain == "all" else estimate.domain_value
            points.append(TrendPoint(one, district, estimate))
    return points


def category_label(variable: str, value: str) -> str:
    return str(dict(CATEGORIES.get(variable, [])).get(value, value))


def published_estimates(wave: Wave) -> QuerySet[Estimate]:
    """The estimates of a published wave's latest weighting run; none for any other wave."""
    if wave.status != WaveStatus.PUBLISHED:
        return Estimate.objects.none()
    run = latest_finished_run(wave)
    if run is None:
        return Estimate.objects.none()
    return Estimate.objects.filter(wave=wave, run=run)


def final_dispositions(wave: Wave) -> dict[str, dict[str, int]]:
    """Counts of cases by AAPOR final disposition code for each probability sample of a wave:
    "address" (invitations: used is a complete, 1.1; a recorded disposition; otherwise nothing
    ever returned, 3.19) and "phone" (cases: used is 1.1; a recorded final disposition;
    otherwise other unknown eligibility, 3.90)."""
    found: dict[str, dict[str, int]] = {}
    invitations = Invitation.objects.filter(wave=wave, sample__isnull=False)
    for used, disposition in invitations.values_list("used", "disposition").iterator():
        code = "1.1" if used else (disposition or "3.19")
        counts = found.setdefault("address", {})
        counts[code] = counts.get(code, 0) + 1
    for used, disposition in PhoneCase.objects.filter(wave=wave).values_list("used", "disposition"):
        code = "1.1" if used else (disposition or "3.90")
        counts = found.setdefault("phone", {})
        counts[code] = counts.get(code, 0) + 1
    return found


def text_answers(wave: Wave) -> QuerySet[Answer]:
    """A wave's free-text answers, for staff who redact quotes: never public."""
    return (
        Answer.objects.filter(response__wave=wave, question__kind__in=TEXT_KINDS)
        .exclude(text="")
        .select_related("question")
        .order_by("question__position", "id")
    )


def get_wave_for_redaction(user, pk: int) -> Wave:
    require(user, "surveys.redact")
    wave = Wave.objects.select_related("survey", "instrument").filter(pk=pk).first()
    if wave is None:
        raise Http404("There is no such wave.")
    return wave


def get_quote_for_redaction(user, pk: int) -> Quote:
    require(user, "surveys.redact")
    quote = Quote.objects.select_related("wave", "question").filter(pk=pk).first()
    if quote is None:
        raise Http404("There is no such quote.")
    return quote


def waves_with_text(user) -> QuerySet[Wave]:
    require(user, "surveys.redact")
    return (
        Wave.objects.exclude(status=WaveStatus.DRAFT)
        .select_related("survey")
        .order_by("-opens_on", "pk")
    )


def approved_quotes(wave: Wave) -> QuerySet[Quote]:
    """Quotes the public may read: approved ones of a published wave."""
    if wave.status != WaveStatus.PUBLISHED:
        return Quote.objects.none()
    return Quote.objects.filter(wave=wave, approved=True).select_related("question")


# --- phone: telephone interviewing and paper entry ------------------------------------------


def get_wave_for_user(user, pk: int, permission: str) -> Wave:
    """The wave, if the user holds the permission (PermissionDenied) and it exists (404)."""
    if not can(user, permission):
        raise PermissionDenied(permission)
    wave = Wave.objects.select_related("survey", "instrument").filter(pk=pk).first()
    if wave is None:
        raise Http404
    return wave


def open_waves() -> QuerySet:
    return Wave.objects.filter(status=WaveStatus.OPEN).select_related("survey", "instrument")


def phone_queue(wave: Wave, *, now: datetime.datetime | None = None) -> QuerySet:
    """The wave's cases that may be called now, in the order they are given out: callbacks
    that are due (earliest first), then numbers never called or not called for
    RETRY_AFTER_MINUTES (fewest calls first). Cases another interviewer holds are left out."""
    now = now or timezone.now()
    retry_before = now - datetime.timedelta(minutes=phone_rules.RETRY_AFTER_MINUTES)
    return (
        PhoneCase.objects.filter(wave=wave, used=False)
        .filter(Q(held_by__isnull=True) | Q(held_until__lte=now))
        .annotate(last_call=Max("calls__called_at"))
        .filter(
            Q(status=PhoneCaseStatus.CALLBACK, callback_at__lte=now)
            | (
                Q(status=PhoneCaseStatus.TO_CALL)
                & (Q(last_call__isnull=True) | Q(last_call__lte=retry_before))
            )
        )
        .annotate(
            due_callback=CaseWhen(
                When(status=PhoneCaseStatus.CALLBACK, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("due_callback", "callback_at", "attempts", "pk")
    )


def phone_progress(wave: Wave) -> dict:
    """How far the wave's phone sample has been worked: cases by status, calls made, and
    finished cases by disposition code. Counts only: no number is read."""
    cases = PhoneCase.objects.filter(wave=wave)
    by_status = dict(cases.values_list("status").annotate(n=Count("pk")).order_by())
    finished = dict(
        cases.filter(status=PhoneCaseStatus.FINAL)
        .values_list("disposition")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "total": sum(by_status.values()),
        "to_call": by_status.get(PhoneCaseStatus.TO_CALL, 0),
        "callback": by_status.get(PhoneCaseStatus.CALLBACK, 0),
        "final": by_status.get(PhoneCaseStatus.FINAL, 0),
        "completes": finished.get(phone_rules.COMPLETE, 0),
        "dispositions": sorted(
            (code, phone_rules.TELEPHONE[code].label if code in phone_rules.TELEPHONE else "", n)
            for code, n in finished.items()
        ),
    }


def interviewer_waves(user) -> list[tuple[Wave, int, int]]:
    """Open waves with a phone sample, each with how many of its cases could be called now and
    how many are booked as callbacks."""
    if not can(user, "surveys.interview"):
        return []
    now = timezone.now()
    waves = open_waves().filter(phone_cases__isnull=False).distinct()
    return [
        (
            wave,
            phone_queue(wave, now=now).count(),
            PhoneCase.objects.filter(wave=wave, status=PhoneCaseStatus.CALLBACK).count(),
        )
        for wave in waves
    ]


def get_held_case_for_user(user, pk: int) -> PhoneCase:
    """A case the user holds now and is still to be worked; 404 for any other (another
    interviewer's, a finished one, one whose hold has run out), so that a number is shown only
    to the interviewer working it."""
    if not can(user, "surveys.interview"):
        raise PermissionDenied("surveys.interview")
    case = (
        PhoneCase.objects.select_related("wave__instrument", "wave__survey", "district")
        .filter(
            pk=pk,
            held_by=user,
            held_until__gt=timezone.now(),
            used=False,
            wave__status=WaveStatus.OPEN,
        )
        .exclude(status=PhoneCaseStatus.FINAL)
        .first()
    )
    if case is None:
        raise Http404
    return case


def calls_of(case: PhoneCase) -> QuerySet:
    """The calls made to the case so far (for the interviewer working it)."""
    return case.calls.order_by("called_at", "pk")


# --- sample: address frames, samples, invitations, letters ---------------------------------


SAMPLE_PERMISSION = "surveys.sample"


def surveys_for_sampling(user):
    """Every survey with its address lists (and their sizes) and its waves (and their address
    samples), for the sampling overview."""
    require(user, SAMPLE_PERMISSION)
    frames = AddressFrame.objects.annotate(size=Count("addresses")).order_by("-imported_at")
    samples = Sample.objects.filter(kind=SampleKind.ADDRESS).annotate(drawn=Count("invitations"))
    waves = Wave.objects.prefetch_related(Prefetch("samples", queryset=samples))
    return Survey.objects.prefetch_related(
        Prefetch("frames", queryset=frames), Prefetch("waves", queryset=waves)
    )


def get_frame_for_user(user, pk: int) -> AddressFrame:
    require(user, SAMPLE_PERMISSION)
    return get_object_or_404(AddressFrame.objects.select_related("survey"), pk=pk)


def get_sample_for_user(user, pk: int) -> Sample:
    require(user, SAMPLE_PERMISSION)
    return get_object_or_404(
        Sample.objects.select_related("wave__survey", "frame"), pk=pk, kind=SampleKind.ADDRESS
    )


def frame_districts(frame: AddressFrame) -> list[dict]:
    """Each district of the frame with its name and number of addresses, in code order."""
    rows = (
        frame.addresses.values("district__code", "district__name")
        .annotate(n=Count("pk"))
        .order_by("district__code")
    )
    return [
        {"code": r["district__code"], "name": r["district__name"], "size": r["n"]} for r in rows
    ]


@dataclass(frozen=True)
class StratumRow:
    code: str
    name: str
    frame_size: int
    drawn: int
    design_weight: float | None
    printed: int
    used: int


def sample_strata(sample: Sample) -> list[StratumRow]:
    """Per district: the frame size and sample size recorded at the draw, the design weight
    they give, and how many letters were printed and invitations used (counts only: which
    invitation let which response in is nowhere to be known)."""
    counts = {
        row["district__code"]: row
        for row in sample.invitations.values("district__code").annotate(
            printed=Count("pk", filter=Q(letter_printed=True)),
            used=Count("pk", filter=Q(used=True)),
        )
    }
    names = dict(District.objects.filter(code__in=sample.strata).values_list("code", "name"))
    rows = []
    for code in sorted(sample.strata):
        frame_size, drawn = sample.strata[code]
        found = counts.get(code, {})
        rows.append(
            StratumRow(
                code=code,
                name=names.get(code, ""),
                frame_size=frame_size,
                drawn=drawn,
                design_weight=frame_size / drawn if drawn else None,
                printed=found.get("printed", 0),
                used=found.get("used", 0),
            )
        )
    return rows


# A letter never printed was never mailed; one printed with no response and no disposition
# recorded is, at the end, "nothing ever returned" (AAPOR's mail codes).
NOT_MAILED = "3.11"
NOTHING_RETURNED = "3.19"
COMPLETE = "1.1"


def sample_dispositions(sample: Sample) -> dict[str, int]:
    """Final AAPOR disposition codes of the sample's invitations, counted."""
    counts: dict[str, int] = {}
    rows = sample.invitations.values("used", "disposition", "letter_printed").annotate(
        n=Count("pk")
    )
    for row in rows:
        if row["used"]:
            code = COMPLETE
        elif row["disposition"]:
            code = row["disposition"]
        else:
            code = NOTHING_RETURNED if row["letter_printed"] else NOT_MAILED
        counts[code] = counts.get(code, 0) + row["n"]
    return counts


def sample_rates(sample: Sample) -> aapor.Rates | None:
    """AAPOR outcome rates of the sample so far, or None before any letter went out."""
    counts = sample_dispositions(sample)
    if not sum(n for code, n in counts.items() if code != NOT_MAILED):
        return None
    return aapor.rates(counts, mode=aapor.Mode.MAIL)


# --- online: the resident's questionnaire (find a code's invitation, an open link's wave) ---


def get_invitation_by_code(typed: str) -> Invitation | None:
    """The invitation a code typed in any case, with spaces, dashes or look-alike letters
    opens, with its wave; None when there is none. Raises codes.MalformedCode when what was
    typed cannot be a code."""
    return (
        Invitation.objects.select_related("wave__survey", "wave__instrument", "sample")
        .filter(code_hash=codes.code_hash(typed))
        .first()
    )


def get_public_survey(slug: str) -> Survey | None:
    return Survey.objects.filter(slug=slug).first()


def open_link_wave(survey: Survey) -> Wave | None:
    """The survey's wave taking answers through its open link now, the latest opened first."""
    return (
        survey.waves.select_related("instrument", "survey")
        .filter(status=WaveStatus.OPEN, open_link=True)
        .order_by("-opens_on", "-pk")
        .first()
    )


def latest_wave(survey: Survey) -> Wave | None:
    """The survey's wave a resident is most likely looking for when its open link takes no
    answers: one open to invited homes only, else the next to open, else the last to close."""
    waves = survey.waves.order_by("opens_on", "pk")
    return (
        waves.filter(status=WaveStatus.OPEN).last()
        or waves.filter(status=WaveStatus.DRAFT).first()
        or survey.waves.order_by("-closes_on", "-pk").first()
    )


def surveys_with_open_links() -> list[Wave]:
    """Every wave anyone may answer now through its open link, for the survey start page."""
    return list(
        Wave.objects.select_related("survey")
        .filter(status=WaveStatus.OPEN, open_link=True)
        .order_by("survey__slug", "-opens_on")
    )


def get_draft(key_hash: str, wave: Wave) -> Draft | None:
    return Draft.objects.filter(key_hash=key_hash, wave=wave).first()


def get_wave_for_draft(pk: int) -> Wave | None:
    return Wave.objects.select_related("survey", "instrument").filter(pk=pk).first()


# --- form: surveys, questionnaires and waves for the people who design them ----------------


def surveys_for_designer(user) -> QuerySet[Survey]:
    require(user, "surveys.design")
    return Survey.objects.annotate(
        instrument_count=Count("instruments", distinct=True),
        wave_count=Count("waves", distinct=True),
    ).order_by("slug")


def get_survey_for_designer(user, pk: int) -> Survey:
    require(user, "surveys.design")
    return get_object_or_404(Survey, pk=pk)


def get_instrument_for_designer(user, pk: int) -> Instrument:
    require(user, "surveys.design")
    return get_object_or_404(Instrument.objects.select_related("survey"), pk=pk)


def get_question_for_designer(user, instrument: Instrument, pk: int) -> Question:
    require(user, "surveys.design")
    return get_object_or_404(Question, pk=pk, instrument=instrument)


def get_choice_list_for_designer(user, instrument: Instrument, pk: int) -> ChoiceList:
    require(user, "surveys.design")
    return get_object_or_404(ChoiceList, pk=pk, instrument=instrument)


def get_wave_for_designer(user, pk: int) -> Wave:
    require(user, "surveys.design")
    return get_object_or_404(Wave.objects.select_related("survey", "instrument"), pk=pk)


def instrument_is_locked(instrument: Instrument) -> bool:
    """Whether a wave using the instrument has opened (it can then only be copied)."""
    return instrument.waves.exclude(status=WaveStatus.DRAFT).exists()


def builder_questions(instrument: Instrument) -> list[Question]:
    """The questionnaire's questions in the order they are asked, with their lists."""
    return list(
        instrument.questions.select_related("choice_list")
        .prefetch_related("choice_list__choices")
        .order_by("page", "position", "pk")
    )


# --- focus: focus-group sessions, the codebook, and theme counts compared by group ----------


# The participant groups theme counts may be compared by, and the participant's field for each.
FOCUS_COMPARISONS = {
    Variable.AGE_BAND: "age_band",
    Variable.SEX: "sex",
    Variable.RACE_ETHNICITY: "race_ethnicity",
    Variable.TENURE: "tenure",
    Variable.DISTRICT: "district__code",
}
# The roster's default, the CMS cell-size rule (Agency.suppression_threshold's default).
FOCUS_DEFAULT_THRESHOLD = 10
NOT_RECORDED = gettext_lazy("Not recorded")


def focus_threshold() -> int:
    """The suppression threshold theme counts keep to: the strictest agency's, the same number
    every public dataset uses. Counts from 1 up to it are never shown exactly."""
    thresholds = list(Agency.objects.values_list("suppression_threshold", flat=True))
    return max(thresholds, default=FOCUS_DEFAULT_THRESHOLD)


def focus_surveys():
    """Every survey, with how many sessions and themes it has."""
    return Survey.objects.annotate(
        focus_sessions=Count("focus_groups", distinct=True),
        focus_themes=Count("themes", distinct=True),
    ).order_by("slug")


def focus_sessions(survey: Survey):
    return (
        survey.focus_groups.select_related("facilitator", "wave")
        .annotate(
            participant_count=Count("participants", distinct=True),
            excerpt_count=Count("excerpts", distinct=True),
        )
        .order_by("-held_on", "pk")
    )


def get_survey_for_focus(user, pk: int) -> Survey:
    require(user, "surveys.focus_groups")
    return get_object_or_404(Survey, pk=pk)


def get_focus_group_for_user(user, pk: int) -> FocusGroup:
    require(user, "surveys.focus_groups")
    return get_object_or_404(
        FocusGroup.objects.select_related("survey", "facilitator", "wave"), pk=pk
    )


def get_theme_for_user(user, pk: int) -> Theme:
    require(user, "surveys.focus_groups")
    return get_object_or_404(Theme.objects.select_related("survey", "parent"), pk=pk)


def get_excerpt_for_user(user, pk: int) -> CodedExcerpt:
    require(user, "surveys.focus_groups")
    return get_object_or_404(CodedExcerpt.objects.select_related("group", "theme"), pk=pk)


def focus_facilitators():
    """Staff who may be named as a session's facilitator: active users with a role."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__isnull=False)
        .distinct()
        .order_by("username")
    )


def focus_excerpts(group: FocusGroup):
    return group.excerpts.select_related("theme", "participant").order_by("pk")


def codebook(survey: Survey) -> list[tuple[Theme, int]]:
    """The survey's themes in tree order (each followed by its sub-themes), with their depth."""
    themes = list(survey.themes.select_related("parent").order_by("code"))
    children: dict[int | None, list[Theme]] = {}
    for theme in themes:
        children.setdefault(theme.parent_id, []).append(theme)
    ordered: list[tuple[Theme, int]] = []
    seen: set[int] = set()

    def walk(parent_id, depth):
        for theme in children.get(parent_id, []):
            if theme.pk not in seen:
                seen.add(theme.pk)
                ordered.append((theme, depth))
                walk(theme.pk, depth + 1)

    walk(None, 0)
    return ordered


def _comparison_groups(by: str) -> list[tuple[str, str]]:
    if by == Variable.DISTRICT:
        groups = [(d.code, d.name) for d in District.objects.order_by("code")]
    else:
        groups = [(code, str(label)) for code, label in CATEGORIES[by]]
    return [*groups, ("", str(NOT_RECORDED))]


def _suppress(counts: list[int], threshold: int) -> list[dict]:
    """Each count as {"count": n or None, "withheld": "" | "small" | "partner"}. Counts from 1 to
    the threshold are withheld as small. A row's cells add up to everyone counted in it, which
    another grouping of the same people shows, so a row never withholds just one cell: the
    smallest other cell (a zero, if there is one, so that the counts people read stay) is
    withheld with it as its partner, and neither can be worked out."""
    cells = [
        {"count": None, "withheld": "small"} if 0 < n <= threshold else {"count": n, "withheld": ""}
        for n in counts
    ]
    small = [i for i, cell in enumerate(cells) if cell["withheld"]]
    if len(small) == 1:
        others = [i for i, cell in enumerate(cells) if not cell["withheld"]]
        if others:
            partner = min(others, key=lambda i: (counts[i], i))
            cells[partner] = {"count": None, "withheld": "partner"}
    return cells


def focus_theme_counts(survey: Survey, by: str = Variable.AGE_BAND) -> dict:
    """How many participants, and in how many sessions, mentioned each theme of the survey's
    codebook, by the participants' group (`by`: one of FOCUS_COMPARISONS). A theme counts its
    sub-themes' excerpts too. Only excerpts said by a participant count (a passage coded to the
    group as a whole says nothing of anyone's group).

    Plain data, safe to publish: counts from 1 up to the threshold and their partners (see
    `_suppress`) are None with the reason, never the number. Nothing else of a focus group
    (titles, places, notes, excerpts, tags) is in it.
    {"by", "threshold", "groups": [{"value", "label"}], "themes": [{"code", "label" (every
    language), "parent", "depth", "participants": [cell per group], "sessions": [...]}]}"""
    if by not in FOCUS_COMPARISONS:
        raise ValueError(f"Theme counts are compared by one of {sorted(FOCUS_COMPARISONS)}.")
    threshold = focus_threshold()
    groups = _comparison_groups(by)
    known = {value for value, _label in groups}
    field = f"participant__{FOCUS_COMPARISONS[by]}"
    coded = (
        CodedExcerpt.objects.filter(group__survey=survey, participant__isnull=False)
        .values_list("theme_id", "group_id", "participant_id", field)
        .distinct()
    )
    by_theme: dict[int, list[tuple[int, int, str]]] = {}
    for theme_id, group_id, participant_id, value in coded:
        value = value if value in known else ""
        by_theme.setdefault(theme_id, []).append((group_id, participant_id, value or ""))
    tree = codebook(survey)
    below: dict[int, set[int]] = {theme.pk: {theme.pk} for theme, _depth in tree}
    for theme, _depth in reversed(tree):
        if theme.parent_id in below:
            below[theme.parent_id] |= below[theme.pk]
    rows = []
    for theme, depth in tree:
        mentions = [m for pk in below[theme.pk] for m in by_theme.get(pk, [])]
        people = [len({p for _g, p, v in mentions if v == value}) for value, _label in groups]
        sessions = [len({g for g, _p, v in mentions if v == value}) for value, _label in groups]
        rows.append(
            {
                "code": theme.code,
                "label": dict(theme.label),
                "parent": theme.parent.code if theme.parent else "",
                "depth": depth,
                "participants": _suppress(people, threshold),
                "sessions": _suppress(sessions, threshold),
            }
        )
    return {
        "by": str(by),
        "threshold": threshold,
        "groups": [{"value": value, "label": label} for value, label in groups],
        "themes": rows,
    }


def focus_participants(group: FocusGroup) -> list[dict]:
    """The session's participants with their categories in words (blank: not recorded)."""
    names = {
        field: dict(CATEGORIES[variable])
        for field, variable in (
            ("age_band", Variable.AGE_BAND),
            ("sex", Variable.SEX),
            ("race_ethnicity", Variable.RACE_ETHNICITY),
            ("tenure", Variable.TENURE),
        )
    }
    rows = []
    for participant in group.participants.select_related("district").order_by("label"):
        row = {"label": participant.label, "district": str(participant.district or "")}
        for field, words in names.items():
            value = getattr(participant, field)
            row[field] = str(words.get(value, value))
        rows.append(row)
    return rows
