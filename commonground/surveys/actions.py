"""Every write of the surveys app. Each area keeps its actions in a block of its own."""

from django.db import transaction

from commonground.accounts.rules import require
from commonground.audit.actions import record
from commonground.surveys import codes
from commonground.surveys.answers import clean_answers, questions_of
from commonground.surveys.models import (
    CHOICE_KINDS,
    Answer,
    Channel,
    Draft,
    Invitation,
    PhoneCase,
    PhoneCaseStatus,
    QuestionKind,
    Recruitment,
    Response,
    Wave,
    WaveStatus,
)

# --- Answers engine: storing a response (every channel) ------------------------------------


class SubmissionRefused(Exception):
    """A response that cannot be stored; the message says why, for the person answering."""


class WaveNotOpen(SubmissionRefused):
    pass


class UnknownCode(SubmissionRefused):
    pass


class CodeAlreadyUsed(SubmissionRefused):
    pass


class CaseAlreadyUsed(SubmissionRefused):
    pass


class InvalidAnswers(SubmissionRefused):
    def __init__(self, errors: dict[str, str]):
        super().__init__("Some answers need attention.")
        self.errors = errors


# Who may enter a response for each staff channel; online responses are the resident's own.
ENTERED_BY = {Channel.PHONE: "surveys.interview", Channel.PAPER: "surveys.enter_paper"}
# AAPOR's final disposition of a completed interview.
COMPLETE = "1.1"


def _design_weight(sample, district) -> float:
    """Units in the frame over units drawn, in the district's stratum of the sample; 1 when
    the sample says nothing of it."""
    if sample is None or district is None:
        return 1.0
    stratum = (sample.strata or {}).get(district.code)
    try:
        frame_units, drawn_units = (float(n) for n in stratum)
    except (TypeError, ValueError):
        return 1.0
    if drawn_units <= 0 or frame_units <= 0:
        return 1.0
    return frame_units / drawn_units


def _use_invitation(wave: Wave, invitation_code: str):
    """Marks the invitation used (the one conditional UPDATE that lets one response in) and
    returns (district, design weight) of its stratum."""
    try:
        key = codes.code_hash(invitation_code)
    except codes.MalformedCode:
        raise UnknownCode("There is no invitation with this code.") from None
    taken = Invitation.objects.filter(code_hash=key, used=False, wave=wave).update(used=True)
    if taken != 1:
        if Invitation.objects.filter(code_hash=key, wave=wave).exists():
            raise CodeAlreadyUsed("This code has already been used.")
        raise UnknownCode("There is no invitation with this code.")
    invitation = Invitation.objects.select_related("sample", "district", "address__district").get(
        code_hash=key, wave=wave
    )
    district = invitation.district or (invitation.address.district if invitation.address else None)
    return district, _design_weight(invitation.sample, district)


def _use_phone_case(wave: Wave, phone_case: PhoneCase):
    taken = PhoneCase.objects.filter(pk=phone_case.pk, used=False, wave=wave).update(
        used=True, disposition=COMPLETE, status=PhoneCaseStatus.FINAL
    )
    if taken != 1:
        raise CaseAlreadyUsed("This phone case already has its interview.")
    case = PhoneCase.objects.select_related("sample", "district").get(pk=phone_case.pk)
    return case.district, _design_weight(case.sample, case.district)


def _answer_rows(response: Response, questions, answers: dict) -> list[Answer]:
    by_name = {q.name: q for q in questions}
    rows = []
    for name, value in answers.items():
        question = by_name[name]
        if question.kind in CHOICE_KINDS:
            choices = {c.value: c for c in question.choice_list.choices.all()}
            values = value if isinstance(value, list) else [value]
            rows += [
                Answer(response=response, question=question, choice=choices[v]) for v in values
            ]
        elif question.kind in (QuestionKind.TEXT, QuestionKind.LONG_TEXT):
            rows.append(Answer(response=response, question=question, text=value))
        else:
            rows.append(Answer(response=response, question=question, number=value))
    return rows


def submit_response(
    *,
    wave: Wave,
    answers: dict,
    language: str,
    channel: str,
    recruitment: str,
    invitation_code: str | None = None,
    phone_case: PhoneCase | None = None,
    district=None,
    design_weight: float | None = None,
    by=None,
    draft_key_hash: str | None = None,
) -> Response:
    """Store one completed questionnaire, in one transaction: the invitation (or phone case)
    that lets it in is marked used by a conditional UPDATE, so of any number of simultaneous
    submissions with one code exactly one gets in; the response and its answers are stored
    with nothing that points back to the invitation, the case, the address or the time; the
    resident's draft, if any, is deleted. Refused (SubmissionRefused, nothing stored) when the
    wave is not open, the code or case is unknown or used, or the answers fail `check_all`.

    No audit event is written for a resident's own submission (it would date and place it);
    a staff-entered one records only that the wave got a response."""
    if by is not None:
        require(by, ENTERED_BY.get(channel, "surveys.enter_paper"), wave)
    with transaction.atomic():
        if not Wave.objects.filter(pk=wave.pk, status=WaveStatus.OPEN).exists():
            raise WaveNotOpen("This survey is not taking answers now.")
        if (
            recruitment == Recruitment.OPEN_LINK
            and not Wave.objects.filter(pk=wave.pk, open_link=True).exists()
        ):
            raise WaveNotOpen("This survey is not taking answers through its open link now.")
        kept, errors = clean_answers(wave.instrument, answers, language=language)
        if errors:
            raise InvalidAnswers(errors)
        weight = design_weight if design_weight is not None else 1.0
        if invitation_code is not None:
            stratum, weight = _use_invitation(wave, invitation_code)
            district = stratum or district
        elif phone_case is not None:
            stratum, weight = _use_phone_case(wave, phone_case)
            district = stratum or district
        response = Response.objects.create(
            wave=wave,
            channel=channel,
            recruitment=recruitment,
            language=language,
            district=district,
            design_weight=weight,
        )
        Answer.objects.bulk_create(_answer_rows(response, questions_of(wave.instrument), kept))
        if draft_key_hash:
            Draft.objects.filter(key_hash=draft_key_hash, wave=wave).delete()
        if by is not None:
            record(
                actor=by,
                action="survey.response_entered",
                target=wave,
                data={"channel": channel},
            )
    return response


# --- results: population margins, weighting runs and their estimates -------------------------

import csv  # noqa: E402
import io  # noqa: E402
import logging  # noqa: E402

# --- sample: address frames, samples, invitations, letters ---------------------------------
import secrets  # noqa: E402

from django.core.exceptions import ValidationError  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from commonground.roster.models import District  # noqa: E402
from commonground.surveys.categories import CATEGORIES  # noqa: E402
from commonground.surveys.models import (  # noqa: E402
    Basis,
    Estimate,
    PopulationMargin,
    WeightingRun,
)
from commonground.surveys.statistics.estimates import EstimationError  # noqa: E402
from commonground.surveys.statistics.small_area import SmallAreaError  # noqa: E402
from commonground.surveys.statistics.weighting import RakingError, Trimming  # noqa: E402

results_log = logging.getLogger("commonground.surveys.results")

MARGIN_COLUMNS = ("district", "variable", "category", "population", "source", "year")
MAX_MARGIN_ROWS = 5000


class MarginsRefused(Exception):
    """A margins file with problems; `problems` lists each, with its line. Nothing was saved."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class WeightingRefused(Exception):
    """A weighting run that cannot start; the message says why."""


def _parse_margins(text: str) -> tuple[list[dict], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in MARGIN_COLUMNS[:4] if c not in header]
    if missing:
        return [], [
            _("The first line must name the columns; missing: %(columns)s.")
            % {"columns": ", ".join(missing)}
        ]
    reader.fieldnames = header
    districts = {d.code: d for d in District.objects.all()}
    rows, problems, seen = [], [], set()
    for line, raw in enumerate(reader, start=2):
        if len(rows) + len(problems) >= MAX_MARGIN_ROWS:
            problems.append(_("The file has more than %(max)s rows.") % {"max": MAX_MARGIN_ROWS})
            break
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        district = districts.get(row.get("district", ""))
        variable = row.get("variable", "")
        category = row.get("category", "")
        said = []
        if district is None:
            said.append(_("no district has the code %(code)r") % {"code": row.get("district", "")})
        if variable not in CATEGORIES:
            said.append(
                _("the variable must be one of %(known)s, not %(given)r")
                % {"known": ", ".join(CATEGORIES), "given": variable}
            )
        elif category not in dict(CATEGORIES[variable]):
            said.append(
                _("%(variable)s has no category %(given)r (it has %(known)s)")
                % {
                    "variable": variable,
                    "given": category,
                    "known": ", ".join(v for v, _label in CATEGORIES[variable]),
                }
            )
        try:
            population = int(row.get("population", ""))
            if population < 0:
                raise ValueError
        except ValueError:
            said.append(
                _("the population must be a whole number of 0 or more, not %(given)r")
                % {"given": row.get("population", "")}
            )
            population = None
        year = row.get("year", "")
        if year and not (year.isdigit() and 1900 <= int(year) <= 2100):
            said.append(_("the year must be a year such as 2025, not %(given)r") % {"given": year})
        key = (row.get("district"), variable, category)
        if key in seen:
            said.append(_("this district, variable and category are already on an earlier line"))
        seen.add(key)
        if said:
            problems.append(
                _("Line %(line)s: %(problems)s.") % {"line": line, "problems": "; ".join(said)}
            )
            continue
        rows.append(
            {
                "district": district,
                "variable": variable,
                "category": category,
                "population": population,
                "source": row.get("source", "")[:200],
                "year": int(year) if year else None,
            }
        )
    if not rows and not problems:
        problems.append(_("The file has no rows of margins."))
    return rows, problems


def import_margins(*, text: str, by) -> int:
    """Keep the population margins of a CSV file (district, variable, category, population,
    source, year), replacing the ones for the same district, variable and category. Every line
    is checked against the districts and `categories.CATEGORIES` first; with any problem nothing
    is saved (MarginsRefused lists them all)."""
    require(by, "surveys.weight")
    rows, problems = _parse_margins(text)
    if problems:
        raise MarginsRefused(problems)
    with transaction.atomic():
        for row in rows:
            PopulationMargin.objects.update_or_create(
                district=row["district"],
                variable=row["variable"],
                category=row["category"],
                defaults={k: row[k] for k in ("population", "source", "year")},
            )
        record(
            actor=by,
            action="survey.margins_imported",
            data={
                "rows": len(rows),
                "districts": sorted({r["district"].code for r in rows}),
                "variables": sorted({r["variable"] for r in rows}),
            },
        )
    return len(rows)


def _trimming_settings(lower, upper, max_design_effect) -> dict:
    given = {"lower": lower, "upper": upper, "max_design_effect": max_design_effect}
    try:
        Trimming(**{k: v for k, v in given.items() if v is not None})
    except RakingError as refused:
        raise WeightingRefused(str(refused)) from None
    return given


def run_weighting(
    *,
    wave: Wave,
    by,
    lower: float | None = None,
    upper: float | None = None,
    max_design_effect: float | None = None,
    synchronous: bool = False,
) -> WeightingRun:
    """Start a weighting run of the wave: recorded (queued) at once; the raking, the estimates
    and the small-area models run in the task worker (`tasks.weigh_wave`), or here and now with
    `synchronous` (tests, small waves). The run's report shows its progress."""
    require(by, "surveys.weight", wave)
    trimming = _trimming_settings(lower, upper, max_design_effect)
    if not Response.objects.filter(wave=wave).exists():
        raise WeightingRefused(_("This wave has no responses to weight yet."))
    if not PopulationMargin.objects.exists():
        raise WeightingRefused(
            _("There are no population margins to weight to. Import them on the margins page.")
        )
    with transaction.atomic():
        run = WeightingRun.objects.create(
            wave=wave,
            ran_at=timezone.now(),
            ran_by=by,
            settings={"trimming": trimming, "min_effective_n": wave.survey.min_effective_n},
            report={"status": "queued"},
        )
        record(
            actor=by,
            action="survey.weighting_started",
            target=wave,
            data={"run": run.pk, "trimming": trimming},
        )
        if not synchronous:
            from commonground.surveys import tasks

            run_id = run.pk
            transaction.on_commit(lambda: tasks.weigh_wave.enqueue(run_id=run_id))
    if synchronous:
        compute_weighting(run_id=run.pk)
        run.refresh_from_db()
    return run


def _progress(run_id: int, step: str) -> None:
    WeightingRun.objects.filter(pk=run_id).update(report={"status": "running", "step": step})


def compute_weighting(*, run_id: int) -> WeightingRun:
    """The work of a weighting run: rake every basis, estimate every measure by every domain,
    model the small districts; then, in one transaction, the responses' final weights, the
    run's estimates and its report. A run that cannot finish keeps the reason in its report."""
    from commonground.surveys import results, selectors

    run = WeightingRun.objects.select_related("wave__survey", "wave__instrument").get(pk=run_id)
    wave = run.wave
    _progress(run_id, "reading")
    try:
        computed = results.weigh_and_estimate(
            selectors.wave_data(wave),
            selectors.margins_by_district(),
            min_effective_n=run.settings.get("min_effective_n", wave.survey.min_effective_n),
            trimming=run.settings.get("trimming"),
            previous=selectors.previous_figures(wave),
            progress=lambda step: _progress(run_id, step),
        )
    except (results.ResultsError, RakingError, EstimationError, SmallAreaError) as failed:
        results_log.warning("Weighting run %s failed: %s", run_id, failed)
        with transaction.atomic():
            WeightingRun.objects.filter(pk=run_id).update(
                report={"status": "failed", "error": str(failed)}
            )
            record(
                actor=run.ran_by,
                action="survey.weighting_failed",
                target=wave,
                data={"run": run_id, "error": str(failed)[:500]},
            )
        run.refresh_from_db()
        return run
    with transaction.atomic():
        stored = next((r for r in computed if r.basis == Basis.PROBABILITY), None) or next(
            r for r in computed if r.basis == Basis.ALL
        )
        weights = dict(stored.weights.iter_rows())
        Response.objects.filter(wave=wave).update(weight=None)
        changed = []
        for response in Response.objects.filter(wave=wave, id__in=list(weights)).only("id"):
            response.weight = weights[response.id]
            changed.append(response)
        Response.objects.bulk_update(changed, ["weight"], batch_size=1000)
        Estimate.objects.filter(run=run).delete()
        Estimate.objects.bulk_create(
            [Estimate(wave=wave, run=run, **row) for r in computed for row in r.rows],
            batch_size=1000,
        )
        report = {
            "status": "done",
            "weights_stored_for": stored.basis,
            "bases": {r.basis: r.report for r in computed},
        }
        WeightingRun.objects.filter(pk=run_id).update(report=report)
        record(
            actor=run.ran_by,
            action="survey.weighted",
            target=wave,
            data={
                "run": run_id,
                "estimates": sum(len(r.rows) for r in computed),
                "design_effect": stored.report.get("design_effect"),
            },
        )
    run.refresh_from_db()
    return run


# --- publish: quotes staff redact from text answers and approve for the public ---------------

QUOTE_MAX_LENGTH = 600


def _checked_quote(wave: Wave, question, text: str) -> str:
    from django.core.exceptions import ValidationError

    from commonground.surveys.models import TEXT_KINDS

    text = (text or "").strip()
    errors = {}
    if question is None or question.instrument_id != wave.instrument_id:
        errors["question"] = "Choose a question of this wave's questionnaire."
    elif question.kind not in TEXT_KINDS:
        errors["question"] = "Quotes come from questions answered in the resident's own words."
    if not text:
        errors["text"] = "Write the quote, with anything that could identify a person taken out."
    elif len(text) > QUOTE_MAX_LENGTH:
        errors["text"] = f"Keep a quote to {QUOTE_MAX_LENGTH} characters or fewer."
    if errors:
        raise ValidationError(errors)
    return text


def make_quote(*, wave: Wave, question, text: str, by):
    """A redacted quote from a wave's text answers, not yet public. The audit event says a
    quote was made, never its words (the log is read by more people than the quotes)."""
    from commonground.surveys.models import Quote

    require(by, "surveys.redact", wave)
    text = _checked_quote(wave, question, text)
    with transaction.atomic():
        quote = Quote.objects.create(wave=wave, question=question, text=text, redacted_by=by)
        record(actor=by, action="survey.quote_made", target=quote, data={"wave": wave.pk})
    return quote


def approve_quote(*, quote, by):
    """Make a quote public (shown once its wave is published)."""
    from commonground.surveys.models import Quote

    require(by, "surveys.redact", quote.wave)
    with transaction.atomic():
        Quote.objects.filter(pk=quote.pk).update(approved=True)
        quote.approved = True
        record(actor=by, action="survey.quote_approved", target=quote, data={})
    return quote


def withdraw_quote(*, quote, by) -> None:
    """Take a quote down and delete it: the public never sees it again."""
    require(by, "surveys.redact", quote.wave)
    with transaction.atomic():
        record(
            actor=by,
            action="survey.quote_withdrawn",
            target=quote,
            data={"wave": quote.wave_id, "was_approved": quote.approved},
        )
        quote.delete()


def note_text_answers_read(*, wave: Wave, by) -> None:
    """Reading residents' own words is reading sensitive data: audited, as every such view."""
    require(by, "surveys.redact", wave)
    record(actor=by, action="survey.text_answers_viewed", target=wave, data={})


# --- phone: telephone interviewing (phone samples, the queue, calls, interviews) and paper entry

import datetime  # noqa: E402

from django.db.models import F, Q  # noqa: E402

from commonground.lib.crypto import keyed_hash  # noqa: E402
from commonground.surveys import phone as phone_rules  # noqa: E402
from commonground.surveys.models import CallAttempt, Sample, SampleKind  # noqa: E402

MAX_CALL_ATTEMPTS_LIMIT = 20


class PhoneError(Exception):
    """A phone or paper request that cannot be done; the message says why, for the staff
    member. Messages never carry a phone number."""


class PhoneSampleRefused(PhoneError):
    """A phone sample file refused as a whole, with what is wrong on each line."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(
            _("Nothing was imported: correct the lines listed and upload the file again.")
        )
        self.errors = errors


def interview_draft_key(case: PhoneCase) -> str:
    """The keyed hash an interview in progress is kept under (a Draft, deleted in the
    transaction that stores the response)."""
    return keyed_hash(str(case.pk), "survey-phone-interview")


def _check_max_attempts(value: int) -> None:
    if not 1 <= value <= MAX_CALL_ATTEMPTS_LIMIT:
        raise PhoneError(
            _("Give a number of calls from 1 to %(max)s.") % {"max": MAX_CALL_ATTEMPTS_LIMIT}
        )


@transaction.atomic
def import_phone_sample(*, wave: Wave, content: bytes, by) -> Sample:
    """A list of phone numbers for the wave, each with its district and language: every line
    is checked (a valid number, not twice in the file or the wave, a known district, a
    language of the questionnaire) and the file is imported whole or not at all. Numbers are
    stored encrypted, in E.164 form; the audit event counts them and names none."""
    require(by, "surveys.sample", wave)
    wave = Wave.objects.select_for_update().select_related("instrument").get(pk=wave.pk)
    if wave.status not in (WaveStatus.DRAFT, WaveStatus.OPEN):
        raise PhoneError(_("This wave is closed: numbers can no longer be added to it."))
    try:
        rows = phone_rules.read_rows(content)
    except phone_rules.SampleFileError as error:
        raise PhoneSampleRefused([(1, str(error))]) from None
    districts = {d.code.upper(): d for d in District.objects.all()}
    instrument = wave.instrument
    languages = list(instrument.languages or [instrument.default_language])
    in_wave = {(case.phone or {}).get("number") for case in wave.phone_cases.only("phone")}
    seen: dict[str, int] = {}
    errors: list[tuple[int, str]] = []
    cases: list[PhoneCase] = []
    for row in rows:
        problems = []
        number = None
        try:
            number = phone_rules.normalise_phone(row.phone)
        except ValueError as error:
            problems.append(str(error))
        district = districts.get(row.district_code.upper())
        if not row.district_code:
            problems.append(_("The district is empty."))
        elif district is None:
            problems.append(
                _("There is no district with the code '%(code)s'.")
                % {"code": row.district_code[:20]}
            )
        language = row.language or instrument.default_language
        if language not in languages:
            problems.append(
                _("'%(language)s' is not a language of this questionnaire (%(languages)s).")
                % {"language": language[:8], "languages": ", ".join(languages)}
            )
        if number in in_wave:
            problems.append(_("This number is already in the wave's sample."))
        elif number in seen:
            problems.append(
                _("The same number is already on line %(line)s.") % {"line": seen[number]}
            )
        if number:
            seen.setdefault(number, row.line)
        if problems:
            errors.append((row.line, " ".join(problems)))
            continue
        cases.append(
            PhoneCase(wave=wave, phone={"number": number}, district=district, language=language)
        )
    if errors:
        raise PhoneSampleRefused(errors)
    # An imported list is not drawn here: no seed, and no strata, so design weights are 1.
    sample = Sample.objects.create(
        wave=wave, kind=SampleKind.PHONE, seed=0, strata={}, drawn_at=timezone.now(), drawn_by=by
    )
    for case in cases:
        case.sample = sample
    PhoneCase.objects.bulk_create(cases)
    per_district: dict[str, int] = {}
    for case in cases:
        per_district[case.district.code] = per_district.get(case.district.code, 0) + 1
    record(
        actor=by,
        action="survey.phone_sample_imported",
        target=sample,
        data={"wave": wave.pk, "cases": len(cases), "districts": per_district},
    )
    return sample


@transaction.atomic
def set_max_call_attempts(*, wave: Wave, value: int, by) -> Wave:
    """How many calls a number gets before it is finished without a final disposition."""
    require(by, "surveys.sample", wave)
    _check_max_attempts(value)
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if wave.status not in (WaveStatus.DRAFT, WaveStatus.OPEN):
        raise PhoneError(_("This wave is closed: its calling rules can no longer change."))
    before = wave.max_call_attempts
    wave.max_call_attempts = value
    wave.save(update_fields=["max_call_attempts"])
    record(
        actor=by,
        action="survey.max_call_attempts_set",
        target=wave,
        data={"from": before, "to": value},
    )
    return wave


def _free_to_claim(now) -> Q:
    return Q(held_by__isnull=True) | Q(held_until__lte=now)


@transaction.atomic
def take_next_phone_case(*, wave: Wave, by) -> PhoneCase | None:
    """The next number for this interviewer to call, held for them for HOLD_MINUTES: the case
    they already hold, else the first case of the queue (callbacks due, then numbers never or
    not recently called) that nobody else holds. Each candidate is taken by a conditional
    UPDATE, so two interviewers asking at the same moment never get the same case. None when
    there is nothing to call now. The interviewer will read the number: that is audited."""
    from commonground.surveys.selectors import phone_queue

    require(by, "surveys.interview", wave)
    if not Wave.objects.filter(pk=wave.pk, status=WaveStatus.OPEN).exists():
        raise PhoneError(_("This wave is not open: there are no calls to make."))
    now = timezone.now()
    held = (
        PhoneCase.objects.filter(wave=wave, held_by=by, held_until__gt=now, used=False)
        .exclude(status=PhoneCaseStatus.FINAL)
        .first()
    )
    if held is not None:
        return held
    until = now + datetime.timedelta(minutes=phone_rules.HOLD_MINUTES)
    for pk in phone_queue(wave, now=now).values_list("pk", flat=True)[:25]:
        taken = PhoneCase.objects.filter(
            _free_to_claim(now),
            pk=pk,
            wave=wave,
            used=False,
            status__in=[PhoneCaseStatus.TO_CALL, PhoneCaseStatus.CALLBACK],
        ).update(held_by=by, held_until=until)
        if taken == 1:
            case = PhoneCase.objects.get(pk=pk)
            record(
                actor=by,
                action="survey.phone_case_taken",
                target=case,
                data={"wave": wave.pk, "attempts": case.attempts},
            )
            return case
    return None


def _held(case: PhoneCase, by) -> PhoneCase:
    """The case, locked, if `by` holds it now and it is still to be worked."""
    case = PhoneCase.objects.select_for_update().select_related("wave").get(pk=case.pk)
    now = timezone.now()
    if case.held_by_id != by.pk or case.held_until is None or case.held_until <= now:
        raise PhoneError(
            _(
                "You no longer hold this number (it was handed back or timed out). Take the next case from the queue."
            )
        )
    if case.used or case.status == PhoneCaseStatus.FINAL:
        raise PhoneError(_("This number is already finished: nothing was recorded."))
    if case.wave.status != WaveStatus.OPEN:
        raise PhoneError(_("This wave is not open: calls can no longer be recorded."))
    return case


@transaction.atomic
def record_call(
    *,
    case: PhoneCase,
    disposition: str,
    by,
    callback_at: datetime.datetime | None = None,
    note: str = "",
) -> CallAttempt:
    """One call to a number, with its AAPOR disposition (or a callback booked for a time,
    recorded as 2.21). A final disposition, or the wave's last allowed call, finishes the
    case; a callback keeps it for its time; anything else puts it back in the queue. The
    interviewer's hold ends. The audit event names the code, never the number or the note."""
    require(by, "surveys.interview", case.wave)
    case = _held(case, by)
    now = timezone.now()
    if disposition == phone_rules.COMPLETE:
        raise PhoneError(
            _(
                "A complete interview is recorded by finishing the interview, not by choosing it here."
            )
        )
    if disposition == phone_rules.CALLBACK:
        if callback_at is None:
            raise PhoneError(_("Give the day and time to call back."))
        if callback_at <= now:
            raise PhoneError(_("That time has passed: give a day and time still to come."))
        if timezone.localdate(callback_at) > case.wave.closes_on:
            raise PhoneError(
                _("The wave closes on %(day)s: book the callback for that day or earlier.")
                % {"day": case.wave.closes_on.isoformat()}
            )
        code = phone_rules.CALLBACK_CODE
    elif disposition in phone_rules.CHOOSABLE_CODES:
        code, callback_at = disposition, None
    else:
        raise PhoneError(_("Choose what happened on the call."))
    attempt = CallAttempt.objects.create(
        case=case,
        interviewer=by,
        called_at=now,
        disposition=code,
        callback_at=callback_at,
        note=note.strip()[:300],
    )
    case.attempts += 1
    case.disposition = code
    if phone_rules.is_final(code) or case.attempts >= case.wave.max_call_attempts:
        case.status, case.callback_at = PhoneCaseStatus.FINAL, None
    elif callback_at is not None:
        case.status, case.callback_at = PhoneCaseStatus.CALLBACK, callback_at
    else:
        case.status, case.callback_at = PhoneCaseStatus.TO_CALL, None
    case.held_by, case.held_until = None, None
    case.save(
        update_fields=["attempts", "disposition", "status", "callback_at", "held_by", "held_until"]
    )
    Draft.objects.filter(key_hash=interview_draft_key(case)).delete()
    record(
        actor=by,
        action="survey.call_recorded",
        target=case,
        data={"disposition": code, "attempt": case.attempts, "status": case.status},
    )
    return attempt


@transaction.atomic
def hand_back_phone_case(*, case: PhoneCase, by) -> PhoneCase:
    """The interviewer gives the number back to the queue without calling it."""
    require(by, "surveys.interview", case.wave)
    case = _held(case, by)
    case.held_by, case.held_until = None, None
    case.save(update_fields=["held_by", "held_until"])
    Draft.objects.filter(key_hash=interview_draft_key(case)).delete()
    record(actor=by, action="survey.phone_case_handed_back", target=case, data={})
    return case


@transaction.atomic
def save_interview_page(*, case: PhoneCase, answers: dict, page: int, by) -> Draft:
    """The answers so far of an interview in progress (all pages, merged), and the page
    reached; the interviewer's hold is renewed. Not audited: the call it belongs to is, and a
    trail of page times would only date the interview more finely."""
    require(by, "surveys.interview", case.wave)
    case = _held(case, by)
    now = timezone.now()
    PhoneCase.objects.filter(pk=case.pk).update(
        held_until=now + datetime.timedelta(minutes=phone_rules.HOLD_MINUTES)
    )
    draft, _created = Draft.objects.update_or_create(
        key_hash=interview_draft_key(case),
        defaults={
            "wave": case.wave,
            "language": case.language,
            "answers": answers,
            "page": page,
            "updated_at": now,
        },
    )
    return draft


def finish_interview(*, case: PhoneCase, by) -> None:
    """Stores the interview through `submit_response` (channel phone, recruited by the phone
    sample, in the respondent's language), which uses the case once and keeps no link from the
    response to it or to the interviewer; in the same transaction the call is recorded as
    complete (1.1) and the interviewer's hold ends. InvalidAnswers when the answers are not
    complete; nothing is stored then."""
    require(by, "surveys.interview", case.wave)
    with transaction.atomic():
        case = _held(case, by)
        key = interview_draft_key(case)
        draft = Draft.objects.filter(key_hash=key, wave=case.wave).first()
        submit_response(
            wave=case.wave,
            answers=dict(draft.answers) if draft else {},
            language=case.language,
            channel=Channel.PHONE,
            recruitment=Recruitment.PHONE_SAMPLE,
            phone_case=case,
            by=by,
            draft_key_hash=key,
        )
        CallAttempt.objects.create(
            case=case, interviewer=by, called_at=timezone.now(), disposition=phone_rules.COMPLETE
        )
        PhoneCase.objects.filter(pk=case.pk).update(
            attempts=F("attempts") + 1, held_by=None, held_until=None, callback_at=None
        )
        record(
            actor=by,
            action="survey.call_recorded",
            target=case,
            data={
                "disposition": phone_rules.COMPLETE,
                "attempt": case.attempts + 1,
                "status": PhoneCaseStatus.FINAL,
            },
        )


def enter_paper_response(
    *,
    wave: Wave,
    answers: dict,
    language: str,
    by,
    invitation_code: str = "",
    district=None,
) -> Response:
    """A paper questionnaire typed in by staff, through `submit_response` with the same checks
    as every channel: with the invitation code printed on it (recruited by the address sample,
    the code used once), or without one (handed out in person; the district the respondent
    gave, if any)."""
    require(by, "surveys.enter_paper", wave)
    languages = wave.instrument.languages or [wave.instrument.default_language]
    if language not in languages:
        raise PhoneError(_("Choose the language the questionnaire was printed in."))
    code = (invitation_code or "").strip()
    return submit_response(
        wave=wave,
        answers=answers,
        language=language,
        channel=Channel.PAPER,
        recruitment=Recruitment.ADDRESS_SAMPLE if code else Recruitment.IN_PERSON,
        invitation_code=code or None,
        district=None if code else district,
        by=by,
    )


@transaction.atomic
def erase_phone_numbers(*, wave: Wave, by) -> int:
    """Deletes every phone number of a wave that has closed (the cases, their calls and
    dispositions stay, for the response rates). Whatever closes a wave should call this in
    the same step; until then staff who draw samples can do it from the sample page. Returns
    how many numbers were erased."""
    require(by, "surveys.sample", wave)
    if not Wave.objects.filter(
        pk=wave.pk, status__in=[WaveStatus.CLOSED, WaveStatus.PUBLISHED]
    ).exists():
        raise PhoneError(_("Numbers are erased once the wave has closed: this wave is still open."))
    cases = PhoneCase.objects.filter(wave=wave, phone__isnull=False)
    erased = cases.update(phone=None, held_by=None, held_until=None)
    record(actor=by, action="survey.phone_numbers_erased", target=wave, data={"numbers": erased})
    return erased


from commonground.surveys import sampling  # noqa: E402
from commonground.surveys.models import (  # noqa: E402
    Address,
    AddressFrame,
    Sample,
    Survey,
)


class ImportRefused(ValidationError):
    """An address list that was not imported; `read` holds what was found, row by row."""

    def __init__(self, message: str, read: sampling.ReadAddresses):
        super().__init__(message)
        self.read = read


def district_codes() -> dict[str, District]:
    """District code -> district, for the codes an address list may use."""
    return {d.code: d for d in District.objects.order_by("code")}


def import_address_frame(
    *, survey: Survey, name: str, upload, by, skip_bad_rows: bool = False
) -> tuple[AddressFrame, sampling.ReadAddresses]:
    """A new address frame from a CSV list: every row checked first; nothing is saved when a
    row is wrong unless `skip_bad_rows` says to keep the good ones; exact duplicates are kept
    once and counted."""
    require(by, "surveys.sample", survey)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the list a name, e.g. “City addresses 2026”.")})
    read = sampling.read_addresses(upload, district_codes())
    if read.problem:
        raise ImportRefused(read.problem, read)
    if read.errors and not skip_bad_rows:
        raise ImportRefused(
            _("Nothing was imported: %(count)s rows need correcting.")
            % {"count": len(read.errors)},
            read,
        )
    if not read.rows:
        raise ImportRefused(_("Nothing was imported: the file has no usable address."), read)
    in_background = len(read.rows) > sampling.LOAD_AT_ONCE
    with transaction.atomic():
        frame = AddressFrame.objects.create(
            survey=survey,
            name=name[:120],
            imported_at=timezone.now(),
            imported_by=by,
            loading=in_background,
            rows_total=len(read.rows),
        )
        if in_background:
            path = default_storage.save(
                f"surveys/address-lists/{secrets.token_hex(16)}.csv",
                ContentFile(sampling.rows_csv(read.rows).encode()),
            )
            transaction.on_commit(lambda: _queue_loading(frame.pk, path))
        else:
            _write_addresses(frame, read.rows)
        record(
            actor=by,
            action="survey.address_frame_imported",
            target=frame,
            data={
                "addresses": len(read.rows),
                "duplicates": read.duplicates,
                "skipped_rows": len(read.errors),
                "in_background": in_background,
            },
        )
    return frame, read


def _queue_loading(frame_id: int, path: str) -> None:
    from commonground.surveys.tasks_sample import load_addresses_task

    load_addresses_task.enqueue(frame_id=frame_id, path=path)


def _write_addresses(frame: AddressFrame, rows: list[dict]) -> None:
    districts = district_codes()
    Address.objects.bulk_create(
        (
            Address(
                frame=frame,
                line1=row["line1"],
                line2=row["line2"],
                city=row["city"],
                postcode=row["postcode"],
                district=districts[row["district"]],
            )
            for row in rows
        ),
        batch_size=2000,
    )


def load_addresses(*, frame_id: int, path: str) -> int:
    """Write a large list's checked rows into its frame (queued by `import_address_frame`), a
    chunk per transaction, counting them on the frame so its page shows the progress; the
    stored rows are deleted at the end. Returns the number of addresses written."""
    frame = AddressFrame.objects.get(pk=frame_id, loading=True)
    with default_storage.open(path, "rb") as stored:
        rows = sampling.read_rows_csv(stored.read().decode())
    for start in range(frame.rows_loaded, len(rows), sampling.LOAD_CHUNK):
        chunk = rows[start : start + sampling.LOAD_CHUNK]
        with transaction.atomic():
            _write_addresses(frame, chunk)
            AddressFrame.objects.filter(pk=frame.pk).update(rows_loaded=start + len(chunk))
    AddressFrame.objects.filter(pk=frame.pk).update(loading=False, rows_loaded=len(rows))
    default_storage.delete(path)
    return len(rows)


def frame_sizes(frame: AddressFrame) -> dict[str, int]:
    """Addresses of the frame in each district, by district code."""
    rows = frame.addresses.values("district__code").annotate(n=Count("pk"))
    return {row["district__code"]: row["n"] for row in rows}


def draw_sample(
    *,
    wave: Wave,
    frame: AddressFrame,
    by,
    allocation: str,
    total: int | None = None,
    per_district: dict[str, int] | None = None,
    seed: int | None = None,
) -> Sample:
    """A stratified random sample of the frame's addresses for a wave, by district: sizes by
    `allocation` (proportional or equal shares of `total`, or given per district), drawn with
    `seed` (a random one when not given), which is recorded with each district's frame size
    and sample size (`Sample.strata`, the design weights' source). One invitation per drawn
    address; its code is made when its letter is printed."""
    require(by, "surveys.sample", wave)
    if frame.loading:
        raise ValidationError(
            {"frame": _("This address list is still loading. Wait until it is ready.")}
        )
    if frame.survey_id != wave.survey_id:
        raise ValidationError({"frame": _("This address list belongs to another survey.")})
    if wave.status not in (WaveStatus.DRAFT, WaveStatus.OPEN):
        raise ValidationError(_("This wave is closed: it cannot get a new sample."))
    if seed is not None and not 0 <= seed < sampling.SEED_LIMIT:
        raise ValidationError(
            {"seed": _("The seed is a whole number from 0 to 999999999, or leave it empty.")}
        )
    sizes_in_frame = frame_sizes(frame)
    try:
        sizes = sampling.allocate(sizes_in_frame, allocation, total, per_district)
    except sampling.AllocationError as error:
        raise ValidationError(str(error)) from None
    seed = sampling.new_seed() if seed is None else seed
    units: dict[str, list[int]] = {code: [] for code in sizes_in_frame}
    for pk, code in frame.addresses.values_list("pk", "district__code"):
        units[code].append(pk)
    drawn = sampling.draw(units, sizes, seed)
    with transaction.atomic():
        if Sample.objects.filter(wave=wave, kind=SampleKind.ADDRESS).exists():
            raise ValidationError(_("This wave already has an address sample."))
        sample = Sample.objects.create(
            wave=wave,
            kind=SampleKind.ADDRESS,
            frame=frame,
            seed=seed,
            strata={code: [sizes_in_frame[code], len(drawn[code])] for code in sorted(drawn)},
            drawn_at=timezone.now(),
            drawn_by=by,
        )
        district_of = {
            pk: district_id for pk, district_id in frame.addresses.values_list("pk", "district_id")
        }
        Invitation.objects.bulk_create(
            (
                Invitation(
                    wave=wave,
                    sample=sample,
                    address_id=pk,
                    district_id=district_of[pk],
                    code_hash=sampling.placeholder_hash(),
                )
                for code in sorted(drawn)
                for pk in drawn[code]
            ),
            batch_size=2000,
        )
        record(
            actor=by,
            action="survey.sample_drawn",
            target=sample,
            data={"seed": seed, "allocation": allocation, "strata": sample.strata},
        )
    return sample


class LetterBatch:
    UNPRINTED = "unprinted"
    REPRINT = "reprint"


LETTERS_PER_BATCH = 500


def print_letters(
    *,
    sample: Sample,
    by,
    which: str = LetterBatch.UNPRINTED,
    district: District | None = None,
    limit: int = LETTERS_PER_BATCH,
) -> tuple[bytes, int]:
    """One PDF of invitation letters (English and Spanish on each) for up to `limit` unused
    invitations of the sample: those never printed, or (`REPRINT`) every unused one. Each
    letter gets a fresh code; only its keyed hash is stored, so a reprinted letter's old code
    stops working. Returns the PDF and the number of letters in it."""
    require(by, "surveys.sample", sample.wave)
    if which not in (LetterBatch.UNPRINTED, LetterBatch.REPRINT):
        raise ValidationError(_("Choose which letters to print."))
    if sample.wave.status not in (WaveStatus.DRAFT, WaveStatus.OPEN):
        raise ValidationError(_("This wave is closed: its letters can no longer be printed."))
    limit = max(1, min(int(limit), LETTERS_PER_BATCH))
    chosen = sample.invitations.filter(used=False).select_related("address", "district")
    if which == LetterBatch.UNPRINTED:
        chosen = chosen.filter(letter_printed=False)
    if district is not None:
        chosen = chosen.filter(district=district)
    letters = []
    with transaction.atomic():
        for invitation in chosen.order_by("district__code", "pk")[:limit]:
            code = codes.new_code()
            # Conditional, so an invitation used meanwhile keeps the code that let it in.
            changed = Invitation.objects.filter(pk=invitation.pk, used=False).update(
                code_hash=codes.code_hash(code), code=None, letter_printed=True
            )
            if changed:
                letters.append(sampling.letter(invitation, code))
        if not letters:
            raise ValidationError(_("There is no letter left to print with these choices."))
        record(
            actor=by,
            action="survey.letters_printed",
            target=sample,
            data={
                "letters": len(letters),
                "reprint": which == LetterBatch.REPRINT,
                "district": district.code if district else "",
            },
        )
    html = sampling.letters_html(letters, sample.wave.survey)
    return sampling.render_pdf(html), len(letters)


# --- online: the resident's questionnaire in progress (drafts) -----------------------------
#
# A resident answers without an account, so these actions check no permission; and, like
# `submit_response`, they write no audit event: an event would date a resident's answering.


def draft_key_for_code(code: str) -> str:
    """The key a questionnaire begun with an invitation code is kept under: a keyed hash of
    the code (under a purpose of its own, so it matches no `Invitation.code_hash`), so typing
    the code again on another device finds the answers given so far."""
    return keyed_hash(codes.normalise(code), "survey-draft")


def new_draft_key() -> str:
    """The key of a questionnaire begun through the open link: a hash of 256 random bits,
    kept only in the resident's session."""
    return keyed_hash(secrets.token_urlsafe(32), "survey-draft")


def start_draft(*, wave: Wave, key_hash: str, language: str) -> Draft:
    """The draft kept under `key_hash`, made (empty, at page 1) when there is none yet.
    Refused (WaveNotOpen) when the wave takes no answers."""
    with transaction.atomic():
        if not Wave.objects.filter(pk=wave.pk, status=WaveStatus.OPEN).exists():
            raise WaveNotOpen("This survey is not taking answers now.")
        draft, _made = Draft.objects.get_or_create(
            key_hash=key_hash,
            wave=wave,
            defaults={"language": language, "answers": {}, "page": 1, "updated_at": timezone.now()},
        )
    return draft


def save_draft_page(
    *, draft: Draft, page_names: list[str], answers: dict, page: int, language: str
) -> Draft | None:
    """Keep one page's answers: this page's earlier answers are replaced by `answers` (which
    the page's form has checked), the other pages' are left alone. `page` is where the
    resident goes next, so a later visit resumes there. None when the draft is gone (sent
    meanwhile from another tab)."""
    unknown = set(answers) - set(page_names)
    if unknown:
        raise ValueError(f"answers to questions not on this page: {sorted(unknown)}")
    with transaction.atomic():
        current = Draft.objects.select_for_update().filter(pk=draft.pk).first()
        if current is None:
            return None
        kept = {name: value for name, value in current.answers.items() if name not in page_names}
        kept.update(answers)
        current.answers = kept
        current.page = page
        current.language = language
        current.updated_at = timezone.now()
        current.save(update_fields=["answers", "page", "language", "updated_at"])
    return current


def discard_draft(*, key_hash: str, wave: Wave) -> None:
    """A resident stops: an open-link draft has no way back (its key was only in their
    session), so it goes."""
    Draft.objects.filter(key_hash=key_hash, wave=wave).delete()
