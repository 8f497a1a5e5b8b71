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
        # Loaded once for the checks and the rows (the questionnaire of an open wave is locked).
        questions = questions_of(wave.instrument)
        kept, errors = clean_answers(
            wave.instrument, answers, language=language, questions=questions
        )
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
        Answer.objects.bulk_create(_answer_rows(response, questions, kept))
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
        errors["question"] = _("Choose a question of this wave's questionnaire.")
    elif question.kind not in TEXT_KINDS:
        errors["question"] = _("Quotes come from questions answered in the resident's own words.")
    if not text:
        errors["text"] = _("Write the quote, with anything that could identify a person taken out.")
    elif len(text) > QUOTE_MAX_LENGTH:
        errors["text"] = _("Keep a quote to %(limit)s characters or fewer.") % {
            "limit": QUOTE_MAX_LENGTH
        }
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
    """Make a quote public (shown once its wave is published). Four eyes: someone other than
    the person who redacted it reads it again and approves it."""
    from django.core.exceptions import ValidationError

    from commonground.surveys.models import Quote

    require(by, "surveys.redact", quote.wave)
    with transaction.atomic():
        current = Quote.objects.select_for_update().get(pk=quote.pk)
        if current.approved:
            raise ValidationError(_("This quote is already approved."))
        if current.redacted_by_id == by.pk:
            raise ValidationError(
                _(
                    "A colleague approves the quotes you redact: a second reader catches what "
                    "could identify someone. Ask someone else who redacts quotes to approve it."
                )
            )
        Quote.objects.filter(pk=quote.pk).update(approved=True, approved_by=by)
        quote.approved, quote.approved_by = True, by
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
from commonground.surveys.statistics import aapor  # noqa: E402


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


def issue_letter_codes(
    *,
    sample: Sample,
    by,
    which: str = LetterBatch.UNPRINTED,
    district: District | None = None,
    limit: int = LETTERS_PER_BATCH,
) -> list[tuple[Invitation, str]]:
    """Fresh codes for up to `limit` unused invitations of the sample: those never printed,
    or (`REPRINT`) every unused one. Only each code's keyed hash is stored, so a reissued
    letter's old code stops working; the codes are returned this once, for the letters
    (`print_letters` renders them; the demo hands them to its residents, as a mail house
    that prints its own letters would). Audited as letters printed."""
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
    issued = []
    with transaction.atomic():
        for invitation in chosen.order_by("district__code", "pk")[:limit]:
            code = codes.new_code()
            # Conditional, so an invitation used meanwhile keeps the code that let it in.
            changed = Invitation.objects.filter(pk=invitation.pk, used=False).update(
                code_hash=codes.code_hash(code), code=None, letter_printed=True
            )
            if changed:
                issued.append((invitation, code))
        if not issued:
            raise ValidationError(_("There is no letter left to print with these choices."))
        record(
            actor=by,
            action="survey.letters_printed",
            target=sample,
            data={
                "letters": len(issued),
                "reprint": which == LetterBatch.REPRINT,
                "district": district.code if district else "",
            },
        )
    return issued


def print_letters(
    *,
    sample: Sample,
    by,
    which: str = LetterBatch.UNPRINTED,
    district: District | None = None,
    limit: int = LETTERS_PER_BATCH,
) -> tuple[bytes, int]:
    """One PDF of invitation letters (English and Spanish on each) for up to `limit` unused
    invitations of the sample, each with a fresh code (`issue_letter_codes`). Returns the PDF
    and the number of letters in it."""
    issued = issue_letter_codes(sample=sample, by=by, which=which, district=district, limit=limit)
    letters = [sampling.letter(invitation, code) for invitation, code in issued]
    html = sampling.letters_html(letters, sample.wave.survey)
    return sampling.render_pdf(html), len(letters)


# What staff may record for a letter that came back or a household that wrote back: every
# mail disposition but an answer (the code's use records that) and the two the platform works
# out itself (not printed yet, nothing returned).
RETURN_DISPOSITIONS = [d for d in aapor.MAIL if d.code not in {"1.1", "1.2", "3.11", "3.19"}]
MAX_RETURNS = 2000


def record_returned_letters(*, sample: Sample, codes_text: str, disposition: str, by) -> int:
    """Records an AAPOR disposition (returned undeliverable, vacant, refused…) for the letters
    whose codes staff type from the returned envelopes, one per line: all of them or, when a
    line is not a code of this sample, none. A letter whose code was used keeps its complete
    (nothing here says which were). Returns the number of letters the lines named."""
    require(by, "surveys.sample", sample.wave)
    errors: dict[str, list[str]] = {}
    if disposition not in {d.code for d in RETURN_DISPOSITIONS}:
        errors["disposition"] = [_("Choose what the post or the household said.")]
    if sample.wave.status == WaveStatus.PUBLISHED:
        raise ValidationError(_("This wave is published: its response rates no longer change."))
    lines = [(n, line.strip()) for n, line in enumerate(codes_text.splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line]
    if not lines:
        errors["codes"] = [_("Type the code of at least one returned letter.")]
    elif len(lines) > MAX_RETURNS:
        errors["codes"] = [
            _("At most %(max)d codes at a time: this list has %(count)d.")
            % {"max": MAX_RETURNS, "count": len(lines)}
        ]
    else:
        hashes: dict[str, int] = {}
        problems = []
        for number, line in lines:
            try:
                hashes.setdefault(codes.code_hash(line), number)
            except codes.MalformedCode:
                problems.append(
                    _("Line %(line)d is not a code: codes have twelve letters and digits.")
                    % {"line": number}
                )
        found = set(
            sample.invitations.filter(code_hash__in=hashes).values_list("code_hash", flat=True)
        )
        problems += [
            _(
                "Line %(line)d: no letter of this sample has this code. A letter printed again "
                "has a new code, and the old one no longer counts."
            )
            % {"line": number}
            for key, number in sorted(hashes.items(), key=lambda item: item[1])
            if key not in found
        ]
        if problems:
            errors["codes"] = problems
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Invitation.objects.filter(sample=sample, code_hash__in=found, used=False).update(
            disposition=disposition
        )
        record(
            actor=by,
            action="survey.letters_returned",
            target=sample,
            data={"letters": len(found), "disposition": disposition},
        )
    return len(found)


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


# --- form: surveys, questionnaires, the question bank, XLSForm imports, waves ---------------

import datetime as _dt  # noqa: E402
import re as _re  # noqa: E402
from dataclasses import dataclass as _dataclass  # noqa: E402
from dataclasses import field as _field  # noqa: E402

from django.conf import settings as _settings  # noqa: E402
from django.core.exceptions import ValidationError as _ValidationError  # noqa: E402
from django.db.models import Max as _Max  # noqa: E402
from django.utils import timezone as _timezone  # noqa: E402
from django.utils.translation import pgettext_lazy as _pgettext_lazy  # noqa: E402

from commonground.surveys import bank as _bank  # noqa: E402
from commonground.surveys.categories import Variable  # noqa: E402
from commonground.surveys.expressions import ExpressionError as _ExpressionError  # noqa: E402
from commonground.surveys.expressions import parse as _parse  # noqa: E402
from commonground.surveys.expressions import references as _references  # noqa: E402
from commonground.surveys.models import (  # noqa: E402
    Choice,
    ChoiceList,
    Instrument,
    Question,
    Survey,
)


class DesignError(_ValidationError):
    """A questionnaire, survey or wave change that was refused; the message (or the dict of
    field: message) says why, for the person building it."""


class InstrumentLocked(DesignError):
    """The instrument is used by a wave that has opened: copy it to a new version instead."""


# A question's or a list's name, as XLSForm and the skip logic's ${name} read it.
DESIGN_NAME = _re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")
# The wave's lifecycle: the one table every change of status is checked against.
WAVE_TRANSITIONS = {
    WaveStatus.DRAFT: {WaveStatus.OPEN},
    WaveStatus.OPEN: {WaveStatus.CLOSED},
    WaveStatus.CLOSED: {WaveStatus.PUBLISHED},
    WaveStatus.PUBLISHED: set(),
}
# Publishing makes a wave's results public and final: the analysts' decision.
WAVE_TRANSITION_PERMISSION = {
    WaveStatus.OPEN: "surveys.design",
    WaveStatus.CLOSED: "surveys.design",
    WaveStatus.PUBLISHED: "surveys.publish",
}
# Language names as they read inside a sentence ("in English", "en inglés").
IN_A_SENTENCE = {
    "en": _pgettext_lazy("language, within a sentence", "English"),
    "es": _pgettext_lazy("language, within a sentence", "Spanish"),
}


def _language_name(code: str) -> str:
    return str(IN_A_SENTENCE.get(code, code))


def design_languages() -> list[str]:
    """The languages an instrument may be written in: the site's."""
    return [code for code, _name in _settings.LANGUAGES]


def _clean_words(values: dict | None, languages: list[str]) -> dict[str, str]:
    """{language: text} for the instrument's languages, blank ones left out."""
    values = values or {}
    return {
        code: str(values.get(code, "")).strip()
        for code in languages
        if str(values.get(code, "")).strip()
    }


def _words_problems(
    field: str, values: dict[str, str], languages: list[str], *, required: bool, what: str
) -> dict[str, str]:
    """{field_<lang>: message} for a text missing in a language: every language when the text
    is required, else every language once any has it."""
    if not required and not values:
        return {}
    return {
        f"{field}_{code}": _("Give the %(what)s in %(language)s.")
        % {"what": what, "language": _language_name(code)}
        for code in languages
        if code not in values
    }


def _editable(instrument: Instrument) -> None:
    """Refuses any change to an instrument a wave has used: its answers mean what its words
    said when they were given."""
    if Instrument.objects.filter(pk=instrument.pk, waves__status__in=_OPENED).exists():
        raise InstrumentLocked(
            _(
                "This questionnaire is used by a wave that has opened, so it cannot change. "
                "Copy it to a new version and change the copy."
            )
        )


_OPENED = [WaveStatus.OPEN, WaveStatus.CLOSED, WaveStatus.PUBLISHED]


@transaction.atomic
def create_survey(
    *, by, slug: str, title: dict, description: dict | None = None, min_effective_n: int = 30
) -> Survey:
    require(by, "surveys.design")
    languages = design_languages()
    title = _clean_words(title, languages)
    description = _clean_words(description, languages)
    problems = _words_problems("title", title, languages, required=True, what=_("title"))
    slug = (slug or "").strip().lower()
    if not _re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", slug):
        problems["slug"] = _(
            "Use lower-case letters, digits and hyphens only, starting with a letter or digit."
        )
    elif Survey.objects.filter(slug=slug).exists():
        problems["slug"] = _("Another survey already has this short name.")
    if not 1 <= int(min_effective_n) <= 10000:
        problems["min_effective_n"] = _("Give a number from 1 to 10000.")
    if problems:
        raise DesignError(problems)
    survey = Survey.objects.create(
        slug=slug,
        title=title,
        description=description,
        min_effective_n=min_effective_n,
        created_at=_timezone.now(),
    )
    record(actor=by, action="survey.created", target=survey, data={"slug": slug})
    return survey


def _next_version(survey: Survey, name: str) -> int:
    latest = Instrument.objects.filter(survey=survey, name=name).aggregate(v=_Max("version"))["v"]
    return (latest or 0) + 1


def _check_instrument(name: str, title: dict, languages: list[str]) -> dict[str, str]:
    problems = {}
    if not DESIGN_NAME.fullmatch(name or ""):
        problems["name"] = _(
            "Use letters, digits and underscores only, starting with a letter (at most 60)."
        )
    known = design_languages()
    if not languages or any(code not in known for code in languages):
        problems["languages"] = _("Choose at least one of the site's languages.")
    else:
        problems.update(_words_problems("title", title, languages, required=True, what=_("title")))
    return problems


@transaction.atomic
def _new_instrument(*, survey: Survey, by, name: str, title: dict, languages: list[str]):
    """The checked, empty instrument both the builder and the bank start from."""
    title = _clean_words(title, languages)
    problems = _check_instrument(name, title, languages)
    if problems:
        raise DesignError(problems)
    return Instrument.objects.create(
        survey=survey,
        name=name,
        version=_next_version(survey, name),
        title=title,
        languages=languages,
        default_language=languages[0],
        created_at=_timezone.now(),
        created_by=by,
    )


def create_instrument(
    *, survey: Survey, by, name: str, title: dict, languages: list[str]
) -> Instrument:
    """A new, empty questionnaire (version 1, or the next version of one with this name)."""
    require(by, "surveys.design")
    languages = [code for code in design_languages() if code in (languages or [])]
    instrument = _new_instrument(survey=survey, by=by, name=name, title=title, languages=languages)
    record(
        actor=by,
        action="survey.instrument_created",
        target=instrument,
        data={"name": name, "version": instrument.version},
    )
    return instrument


@_dataclass
class QuestionData:
    """What the builder's form says about one question; words are {language: text}."""

    name: str
    kind: str
    label: dict[str, str]
    page: int = 1
    choice_list: ChoiceList | None = None
    hint: dict[str, str] = _field(default_factory=dict)
    required: bool = False
    required_message: dict[str, str] = _field(default_factory=dict)
    relevant: str = ""
    constraint: str = ""
    constraint_message: dict[str, str] = _field(default_factory=dict)
    variable: str = ""
    topic: str = ""


def _expression_problem(source: str, known: set[str], own: str, *, what: str) -> str | None:
    """Why an expression cannot be used, naming any question it refers to that the
    questionnaire does not have; None when it can."""
    if not source:
        return None
    try:
        _parse(source)
        referred = _references(source)
    except (_ExpressionError, RecursionError) as error:
        return _("The %(what)s cannot be read: %(problem)s") % {"what": what, "problem": error}
    unknown = sorted(referred - known)
    if unknown:
        return _("The %(what)s refers to %(names)s, which this questionnaire does not have.") % {
            "what": what,
            "names": ", ".join(f"${{{name}}}" for name in unknown),
        }
    if what == _("skip logic") and own in referred:
        return _("A question's skip logic cannot depend on its own answer.")
    return None


def _check_question(
    instrument: Instrument, data: QuestionData, question: Question | None
) -> QuestionData:
    languages = list(instrument.languages)
    data.name = (data.name or "").strip()
    data.relevant = (data.relevant or "").strip()
    data.constraint = (data.constraint or "").strip()
    for name in ("label", "hint", "required_message", "constraint_message"):
        setattr(data, name, _clean_words(getattr(data, name), languages))
    problems: dict[str, str] = {}
    if not DESIGN_NAME.fullmatch(data.name):
        problems["name"] = _(
            "Use letters, digits and underscores only, starting with a letter (at most 60)."
        )
    else:
        taken = instrument.questions.filter(name=data.name)
        if question is not None:
            taken = taken.exclude(pk=question.pk)
        if taken.exists():
            problems["name"] = _("Another question of this questionnaire has this name.")
        elif question is not None and question.name != data.name:
            users = _referred_by(instrument, question.name, exclude=question)
            if users:
                problems["name"] = _(
                    "The name cannot change while %(names)s refer to it; change them first."
                ) % {"names": ", ".join(users)}
    if data.kind not in QuestionKind.values:
        problems["kind"] = _("Choose a kind of question.")
    elif data.kind in CHOICE_KINDS:
        if data.choice_list is None:
            problems["choice_list"] = _("Choose the list of answers for this question.")
        elif data.choice_list.instrument_id != instrument.pk:
            problems["choice_list"] = _("Choose one of this questionnaire's lists.")
    else:
        data.choice_list = None
    if not 1 <= int(data.page or 0) <= 200:
        problems["page"] = _("Give a page number from 1 to 200.")
    problems.update(
        _words_problems("label", data.label, languages, required=True, what=_("question"))
    )
    problems.update(_words_problems("hint", data.hint, languages, required=False, what=_("hint")))
    problems.update(
        _words_problems(
            "required_message",
            data.required_message,
            languages,
            required=False,
            what=_("message for a missing answer"),
        )
    )
    problems.update(
        _words_problems(
            "constraint_message",
            data.constraint_message,
            languages,
            required=False,
            what=_("message for a refused answer"),
        )
    )
    known = set(instrument.questions.values_list("name", flat=True)) | {data.name}
    if question is not None and question.name != data.name:
        known.discard(question.name)
    for field, what in (("relevant", _("skip logic")), ("constraint", _("answer check"))):
        problem = _expression_problem(getattr(data, field), known, data.name, what=what)
        if problem:
            problems[field] = problem
    if data.kind == QuestionKind.NOTE and (data.required or data.constraint):
        problems["kind"] = _("A note takes no answer, so it cannot be required or checked.")
    if data.variable and data.variable not in Variable.values:
        problems["variable"] = _("Choose what the question measures, or leave it blank.")
    if len(data.topic) > 60:
        problems["topic"] = _("Use at most 60 characters.")
    if problems:
        raise DesignError(problems)
    return data


def _referred_by(instrument: Instrument, name: str, *, exclude: Question | None = None):
    """The names of the questions whose skip logic or answer check refers to ${name}."""
    found = []
    for other in instrument.questions.all():
        if exclude is not None and other.pk == exclude.pk:
            continue
        for source in (other.relevant, other.constraint):
            try:
                if source and name in _references(source):
                    found.append(other.name)
                    break
            except (_ExpressionError, RecursionError):
                continue
    return found


_QUESTION_FIELDS = [
    "name",
    "kind",
    "label",
    "page",
    "choice_list",
    "hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "variable",
    "topic",
]


@transaction.atomic
def save_question(
    *, instrument: Instrument, by, data: QuestionData, question: Question | None = None
) -> Question:
    """Add a question at the end of the questionnaire, or change one; refused (DesignError,
    by field) when a word is missing in a language, an expression cannot be read or refers to
    a question the questionnaire does not have, or the instrument is locked."""
    require(by, "surveys.design")
    _editable(instrument)
    if question is not None and question.instrument_id != instrument.pk:
        raise DesignError(_("This question belongs to another questionnaire."))
    data = _check_question(instrument, data, question)
    values = {name: getattr(data, name) for name in _QUESTION_FIELDS}
    if question is None:
        last = instrument.questions.aggregate(p=_Max("position"))["p"]
        question = Question.objects.create(
            instrument=instrument, position=0 if last is None else last + 1, **values
        )
        verb = "survey.question_added"
    else:
        for name, value in values.items():
            setattr(question, name, value)
        question.save()
        verb = "survey.question_changed"
    record(actor=by, action=verb, target=instrument, data={"question": question.name})
    return question


@transaction.atomic
def delete_question(*, question: Question, by) -> None:
    require(by, "surveys.design")
    instrument = question.instrument
    _editable(instrument)
    users = _referred_by(instrument, question.name, exclude=question)
    if users:
        raise DesignError(
            _("%(name)s cannot be removed while %(names)s refer to it; change them first.")
            % {"name": question.name, "names": ", ".join(users)}
        )
    name = question.name
    question.delete()
    record(actor=by, action="survey.question_removed", target=instrument, data={"question": name})


@transaction.atomic
def move_question(*, question: Question, by, direction: str) -> Question:
    """Move a question one place up or down the questionnaire. At the edge of a page it moves
    to the next page's start (or the previous page's end) rather than swapping pages."""
    require(by, "surveys.design")
    instrument = question.instrument
    _editable(instrument)
    if direction not in ("up", "down"):
        raise DesignError(_("A question moves up or down."))
    ordered = list(instrument.questions.order_by("page", "position", "pk"))
    for position, each in enumerate(ordered):
        each.position = position
    at = next(i for i, each in enumerate(ordered) if each.pk == question.pk)
    other_at = at - 1 if direction == "up" else at + 1
    moving = ordered[at]
    if 0 <= other_at < len(ordered):
        other = ordered[other_at]
        if other.page != moving.page:
            moving.page = other.page
            # Placed after the previous page's last question, or before the next page's first.
            moving.position = other.position + (1 if direction == "up" else -1)
            ordered.sort(key=lambda q: (q.page, q.position, q is not moving))
        else:
            ordered[at], ordered[other_at] = other, moving
    for position, each in enumerate(ordered):
        each.position = position
    Question.objects.bulk_update(ordered, ["position", "page"])
    record(
        actor=by,
        action="survey.question_moved",
        target=instrument,
        data={"question": moving.name, "direction": direction},
    )
    return moving


def parse_choice_lines(text: str, languages: list[str]) -> list[tuple[str, dict[str, str]]]:
    """The builder's choices box: one choice a line, its code and then its label in each of
    the questionnaire's languages, separated by "|" (e.g. `yes | Yes | Sí`)."""
    rows = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        label = {code: parts[i + 1] for i, code in enumerate(languages) if i + 1 < len(parts)}
        rows.append((parts[0], {code: text for code, text in label.items() if text}))
    return rows


def choice_lines(choice_list: ChoiceList, languages: list[str]) -> str:
    """A list's choices as the builder's choices box shows them (see parse_choice_lines)."""
    return "\n".join(
        " | ".join([choice.value, *(choice.label.get(code, "") for code in languages)])
        for choice in choice_list.choices.all()
    )


@transaction.atomic
def save_choice_list(
    *,
    instrument: Instrument,
    by,
    name: str,
    choices: list[tuple[str, dict[str, str]]],
    choice_list: ChoiceList | None = None,
) -> ChoiceList:
    """Add a list of answer choices, or replace one's choices; each choice needs a code
    (unique in the list, no spaces) and a label in every language of the questionnaire."""
    require(by, "surveys.design")
    _editable(instrument)
    languages = list(instrument.languages)
    name = (name or "").strip()
    problems: list[str] = []
    name_problem = None
    if not DESIGN_NAME.fullmatch(name):
        name_problem = _(
            "Use letters, digits and underscores only, starting with a letter (at most 60)."
        )
    else:
        taken = instrument.lists.filter(name=name)
        if choice_list is not None:
            taken = taken.exclude(pk=choice_list.pk)
        if taken.exists():
            name_problem = _("Another list of this questionnaire has this name.")
    if not choices:
        problems.append(_("Give at least one choice."))
    seen: set[str] = set()
    for number, (value, label) in enumerate(choices, start=1):
        if not value or len(value) > 60 or value != value.strip():
            problems.append(_("Line %(n)s: give the choice's code first.") % {"n": number})
        elif value in seen:
            problems.append(
                _("Line %(n)s: the code “%(value)s” is used twice.") % {"n": number, "value": value}
            )
        seen.add(value)
        missing = [_language_name(code) for code in languages if not label.get(code)]
        if missing:
            problems.append(
                _("Line %(n)s: give the label in %(languages)s.")
                % {"n": number, "languages": ", ".join(missing)}
            )
    if name_problem or problems:
        found = {}
        if name_problem:
            found["name"] = name_problem
        if problems:
            found["choices"] = problems
        raise DesignError(found)
    if choice_list is None:
        choice_list = ChoiceList.objects.create(instrument=instrument, name=name)
        verb = "survey.list_added"
    else:
        if choice_list.instrument_id != instrument.pk:
            raise DesignError(_("This list belongs to another questionnaire."))
        choice_list.name = name
        choice_list.save(update_fields=["name"])
        choice_list.choices.all().delete()
        verb = "survey.list_changed"
    Choice.objects.bulk_create(
        Choice(choice_list=choice_list, value=value, label=label, position=position)
        for position, (value, label) in enumerate(choices)
    )
    record(actor=by, action=verb, target=instrument, data={"list": name, "choices": len(choices)})
    return choice_list


@transaction.atomic
def delete_choice_list(*, choice_list: ChoiceList, by) -> None:
    require(by, "surveys.design")
    instrument = choice_list.instrument
    _editable(instrument)
    users = list(choice_list.questions.values_list("name", flat=True))
    if users:
        raise DesignError(
            _("This list cannot be removed while %(names)s use it.") % {"names": ", ".join(users)}
        )
    name = choice_list.name
    choice_list.delete()
    record(actor=by, action="survey.list_removed", target=instrument, data={"list": name})


def _copy_contents(source: Instrument, target: Instrument) -> None:
    lists = {}
    for choice_list in source.lists.prefetch_related("choices"):
        copy = ChoiceList.objects.create(instrument=target, name=choice_list.name)
        Choice.objects.bulk_create(
            Choice(choice_list=copy, value=c.value, label=c.label, position=c.position)
            for c in choice_list.choices.all()
        )
        lists[choice_list.pk] = copy
    Question.objects.bulk_create(
        Question(
            instrument=target,
            position=q.position,
            page=q.page,
            name=q.name,
            kind=q.kind,
            choice_list=lists.get(q.choice_list_id),
            label=q.label,
            hint=q.hint,
            required=q.required,
            required_message=q.required_message,
            relevant=q.relevant,
            constraint=q.constraint,
            constraint_message=q.constraint_message,
            variable=q.variable,
            topic=q.topic,
        )
        for q in source.questions.order_by("page", "position", "pk")
    )


@transaction.atomic
def copy_instrument(*, instrument: Instrument, by) -> Instrument:
    """The instrument's next version: the same questions, lists and words, editable until a
    wave using it opens. The way to change a questionnaire a wave has used."""
    require(by, "surveys.design")
    copy = Instrument.objects.create(
        survey=instrument.survey,
        name=instrument.name,
        version=_next_version(instrument.survey, instrument.name),
        title=dict(instrument.title),
        languages=list(instrument.languages),
        default_language=instrument.default_language,
        created_at=_timezone.now(),
        created_by=by,
    )
    _copy_contents(instrument, copy)
    record(
        actor=by,
        action="survey.instrument_copied",
        target=copy,
        data={"from": instrument.pk, "version": copy.version},
    )
    return copy


def _district_choices() -> list[tuple[str, str]]:
    from commonground.roster.models import District

    return list(District.objects.order_by("code").values_list("code", "name"))


@transaction.atomic
def build_instrument_from_bank(
    *,
    survey: Survey,
    by,
    name: str,
    title: dict,
    topics: list[str] | None = None,
    languages: list[str] | None = None,
) -> Instrument:
    """A new instrument from the starter question bank: every item, or the topics chosen, in
    the bank's order, each section on a page of its own, with the lists the items use (the
    districts' list is the agency's districts)."""
    require(by, "surveys.design")
    try:
        chosen = _bank.items(topics)
    except KeyError as unknown:
        raise DesignError(
            {"topics": _("These are not items of the bank: %(topics)s.") % {"topics": unknown}}
        ) from None
    available = _bank.choice_lists(_district_choices())
    empty = [
        item for item in chosen if item.choice_list and not available[item.choice_list].choices
    ]
    if empty and topics is not None:
        raise DesignError(
            {
                "topics": _(
                    "%(items)s would have no answers to choose from: the roster has no "
                    "districts yet. Untick it, or add the districts first."
                )
                % {"items": ", ".join(item.topic for item in empty)}
            }
        )
    chosen = [item for item in chosen if item not in empty]
    if not chosen:
        raise DesignError({"topics": _("Choose at least one item of the bank.")})
    languages = [code for code in design_languages() if code in (languages or _bank.LANGUAGES)]
    instrument = _new_instrument(survey=survey, by=by, name=name, title=title, languages=languages)
    lists: dict[str, ChoiceList] = {}
    for item in chosen:
        if item.choice_list and item.choice_list not in lists:
            source = available[item.choice_list]
            choice_list = ChoiceList.objects.create(instrument=instrument, name=source.name)
            Choice.objects.bulk_create(
                Choice(
                    choice_list=choice_list,
                    value=value,
                    label={code: label[code] for code in languages if code in label},
                    position=position,
                )
                for position, (value, label) in enumerate(source.choices)
            )
            lists[item.choice_list] = choice_list
    sections = [section for section in _bank.SECTIONS if any(i.section == section for i in chosen)]
    Question.objects.bulk_create(
        Question(
            instrument=instrument,
            position=position,
            page=sections.index(item.section) + 1,
            name=item.name,
            kind=item.kind,
            choice_list=lists.get(item.choice_list),
            label={code: item.label[code] for code in languages},
            hint={code: item.hint[code] for code in languages if code in item.hint},
            required=item.required,
            variable=item.variable,
            topic=item.topic,
        )
        for position, item in enumerate(chosen)
    )
    record(
        actor=by,
        action="survey.instrument_from_bank",
        target=instrument,
        data={"topics": [item.topic for item in chosen]},
    )
    return instrument


def _check_wave(
    survey: Survey,
    *,
    label: str,
    opens_on: _dt.date | None,
    closes_on: _dt.date | None,
    instrument: Instrument | None,
    wave: Wave | None = None,
) -> dict[str, str]:
    problems = {}
    if not label:
        problems["label"] = _("Give the wave a name, e.g. 2026 Q1.")
    elif len(label) > 60:
        problems["label"] = _("Use at most 60 characters.")
    else:
        taken = survey.waves.filter(label=label)
        if wave is not None:
            taken = taken.exclude(pk=wave.pk)
        if taken.exists():
            problems["label"] = _("Another wave of this survey has this name.")
    if opens_on is None:
        problems["opens_on"] = _("Give the date the wave opens.")
    if closes_on is None:
        problems["closes_on"] = _("Give the date the wave closes.")
    elif opens_on is not None and closes_on < opens_on:
        problems["closes_on"] = _("The wave cannot close before it opens.")
    if instrument is None:
        problems["instrument"] = _("Choose the questionnaire this wave asks.")
    elif instrument.survey_id != survey.pk:
        problems["instrument"] = _("Choose one of this survey's questionnaires.")
    return problems


@transaction.atomic
def create_wave(
    *,
    survey: Survey,
    by,
    label: str,
    opens_on: _dt.date | None,
    closes_on: _dt.date | None,
    instrument: Instrument | None,
    open_link: bool = False,
) -> Wave:
    """A new wave, being prepared (draft) until it is opened."""
    require(by, "surveys.design")
    label = (label or "").strip()
    problems = _check_wave(
        survey, label=label, opens_on=opens_on, closes_on=closes_on, instrument=instrument
    )
    if problems:
        raise DesignError(problems)
    wave = Wave.objects.create(
        survey=survey,
        instrument=instrument,
        label=label,
        opens_on=opens_on,
        closes_on=closes_on,
        open_link=open_link,
        created_at=_timezone.now(),
    )
    record(
        actor=by,
        action="survey.wave_created",
        target=wave,
        data={"label": label, "instrument": instrument.pk},
    )
    return wave


@transaction.atomic
def edit_wave(
    *,
    wave: Wave,
    by,
    label: str,
    opens_on: _dt.date | None,
    closes_on: _dt.date | None,
    instrument: Instrument | None,
    open_link: bool,
) -> Wave:
    """Change a wave being prepared; once open, only its closing date and its open link may
    change; once closed, nothing."""
    require(by, "surveys.design")
    current = Wave.objects.select_for_update().get(pk=wave.pk)
    label = (label or "").strip()
    if current.status in (WaveStatus.CLOSED, WaveStatus.PUBLISHED):
        raise DesignError(_("A closed or published wave never changes."))
    if current.status == WaveStatus.OPEN and (
        label != current.label
        or opens_on != current.opens_on
        or (instrument and instrument.pk != current.instrument_id)
    ):
        raise DesignError(
            _(
                "An open wave keeps its name, opening date and questionnaire; only its closing date and open link may change."
            )
        )
    problems = _check_wave(
        current.survey,
        label=label,
        opens_on=opens_on,
        closes_on=closes_on,
        instrument=instrument,
        wave=current,
    )
    if problems:
        raise DesignError(problems)
    before = {
        "label": current.label,
        "opens_on": str(current.opens_on),
        "closes_on": str(current.closes_on),
        "instrument": current.instrument_id,
        "open_link": current.open_link,
    }
    current.label, current.opens_on, current.closes_on = label, opens_on, closes_on
    current.instrument, current.open_link = instrument, open_link
    current.save(update_fields=["label", "opens_on", "closes_on", "instrument", "open_link"])
    record(actor=by, action="survey.wave_changed", target=current, data={"before": before})
    return current


@transaction.atomic
def transition_wave(*, wave: Wave, to: str, by) -> Wave:
    """The one door for a wave's status: draft → open → closed → published, checked against
    WAVE_TRANSITIONS; a published wave never changes. Opening needs a questionnaire with a
    question. Closing erases, in the same transaction, every phone number of the wave's phone
    cases and every invitation code kept for printing letters: after a wave closes nobody can
    call or write to its sample again, and nothing is left to link a response to."""
    require(by, WAVE_TRANSITION_PERMISSION.get(to, "surveys.design"))
    current = Wave.objects.select_for_update().get(pk=wave.pk)
    if to not in WAVE_TRANSITIONS.get(current.status, set()):
        if current.status == WaveStatus.PUBLISHED:
            raise DesignError(_("A published wave never changes."))
        raise DesignError(
            _("A wave that is %(status)s cannot become %(to)s.")
            % {
                "status": WaveStatus(current.status).label.lower(),
                "to": WaveStatus(to).label.lower() if to in WaveStatus.values else to,
            }
        )
    data = {"from": current.status, "to": to}
    if (
        to == WaveStatus.OPEN
        and not current.instrument.questions.exclude(kind=QuestionKind.NOTE).exists()
    ):
        raise DesignError(_("The wave's questionnaire has no question yet."))
    if to == WaveStatus.CLOSED:
        data["phone_numbers_erased"] = PhoneCase.objects.filter(
            wave=current, phone__isnull=False
        ).update(phone=None)
        data["codes_erased"] = Invitation.objects.filter(wave=current, code__isnull=False).update(
            code=None
        )
        # Questionnaires left half-answered can no longer be sent: their answers go too.
        data["drafts_deleted"], _deleted = Draft.objects.filter(wave=current).delete()
    current.status = to
    fields = ["status"]
    if to == WaveStatus.PUBLISHED:
        current.published_at = _timezone.now()
        fields.append("published_at")
    current.save(update_fields=fields)
    record(actor=by, action="survey.wave_status", target=current, data=data)
    if to == WaveStatus.CLOSED:
        # The wave's last responses leave nothing in PostgreSQL's bookkeeping that pairs them
        # with their invitations (surveys.storage), without waiting for the night.
        from commonground.surveys.tasks import rewrite_survey_tables

        transaction.on_commit(rewrite_survey_tables.enqueue)
    return current


class XLSFormRefused(DesignError):
    """An XLSForm file with problems; `problems` lists each with its sheet, row and column."""

    def __init__(self, problems):
        super().__init__([str(problem) for problem in problems])
        self.problems = list(problems)


@transaction.atomic
def import_instrument(*, survey: Survey, by, upload) -> Instrument:
    """A new instrument from an XLSForm workbook (the next version when the survey already has
    one with the form's id). Refused (XLSFormRefused) with every problem the file has; nothing
    is stored then."""
    from commonground.surveys import xlsform

    require(by, "surveys.design")
    form, problems = xlsform.read(upload)
    if problems:
        raise XLSFormRefused(problems)
    instrument = Instrument.objects.create(
        survey=survey,
        name=form.name,
        version=_next_version(survey, form.name),
        title=form.title,
        languages=form.languages,
        default_language=form.languages[0],
        created_at=_timezone.now(),
        created_by=by,
    )
    lists = {}
    for name, rows in form.lists.items():
        lists[name] = ChoiceList.objects.create(instrument=instrument, name=name)
        Choice.objects.bulk_create(
            Choice(choice_list=lists[name], value=value, label=label, position=position)
            for position, (value, label) in enumerate(rows)
        )
    Question.objects.bulk_create(
        Question(
            instrument=instrument,
            position=position,
            page=q.page,
            name=q.name,
            kind=q.kind,
            choice_list=lists.get(q.list_name) if q.kind in CHOICE_KINDS else None,
            label=q.label,
            hint=q.hint,
            required=q.required,
            required_message=q.required_message,
            relevant=q.relevant,
            constraint=q.constraint,
            constraint_message=q.constraint_message,
            variable=q.variable,
            topic=q.topic,
        )
        for position, q in enumerate(form.questions)
    )
    record(
        actor=by,
        action="survey.instrument_imported",
        target=instrument,
        data={"name": form.name, "questions": len(form.questions)},
    )
    return instrument


# --- focus: focus-group sessions, participants, the codebook of themes, coded excerpts -------

import datetime as _focus_datetime  # noqa: E402
import re as _focus_re  # noqa: E402

from django.conf import settings as _focus_settings  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.core.validators import validate_slug  # noqa: E402
from django.utils import timezone as _focus_timezone  # noqa: E402
from django.utils.translation import gettext  # noqa: E402

from commonground.surveys.models import (  # noqa: E402
    CodedExcerpt,
    FocusGroup,
    Participant,
    Survey,
    Theme,
)


class FocusError(ValidationError):
    """A focus-group write refused; its messages are keyed by the form field they concern."""


# A participant is a tag ("P1", "P12", "FG-3"): up to three letters and a number. Anything
# else (a first name, initials and a surname) is refused, so no name is ever stored.
PARTICIPANT_LABEL = _focus_re.compile(r"[A-Z]{0,3}-?[0-9]{1,4}")
EXCERPT_MAX = 4000
# The participant's descriptors, each a weighting variable's categories (blank: not recorded).
PARTICIPANT_FIELDS = {
    "age_band": Variable.AGE_BAND,
    "sex": Variable.SEX,
    "race_ethnicity": Variable.RACE_ETHNICITY,
    "tenure": Variable.TENURE,
}


def _focus_languages() -> list[str]:
    return [code for code, _name in _focus_settings.LANGUAGES]


def _squash(text: str) -> str:
    """Text compared as a reader would: case and runs of spaces and line breaks ignored."""
    return " ".join(text.split()).casefold()


def _check_session(
    *, survey: Survey, title: str, facilitator, held_on, place: str, language: str, wave
) -> dict:
    problems = {}
    if not title.strip():
        problems["title"] = gettext("Give the session a title.")
    if (
        facilitator is None
        or not facilitator.is_active
        or not getattr(facilitator, "roles", lambda: set())()
    ):
        problems["facilitator"] = gettext("Choose the member of staff who ran the session.")
    if held_on is None:
        problems["held_on"] = gettext("Give the date the session was held.")
    elif held_on > _focus_timezone.localdate():
        problems["held_on"] = gettext(
            "A session is recorded once it has been held: give a date that is not in the future."
        )
    if not place.strip():
        problems["place"] = gettext("Say where the session was held.")
    if language not in _focus_languages():
        problems["language"] = gettext("Choose the language the session was held in.")
    if wave is not None and wave.survey_id != survey.pk:
        problems["wave"] = gettext("Choose a wave of this survey, or none.")
    return problems


@transaction.atomic
def record_focus_group(
    *,
    survey: Survey,
    by,
    title: str,
    facilitator,
    held_on: _focus_datetime.date | None,
    place: str,
    language: str,
    wave: Wave | None = None,
    notes: str = "",
) -> FocusGroup:
    """A focus-group session of the survey, as it was held: who ran it, when, where, in which
    language, and (now or later) the facilitator's notes."""
    require(by, "surveys.focus_groups", survey)
    problems = _check_session(
        survey=survey,
        title=title,
        facilitator=facilitator,
        held_on=held_on,
        place=place,
        language=language,
        wave=wave,
    )
    if problems:
        raise FocusError(problems)
    group = FocusGroup.objects.create(
        survey=survey,
        wave=wave,
        title=title.strip(),
        facilitator=facilitator,
        held_on=held_on,
        place=place.strip(),
        language=language,
        notes=notes.strip(),
    )
    record(
        actor=by,
        action="survey.focus_group_recorded",
        target=group,
        data={"survey": survey.slug, "held_on": held_on.isoformat(), "has_notes": bool(notes)},
    )
    return group


@transaction.atomic
def edit_focus_group(
    *,
    group: FocusGroup,
    by,
    title: str,
    facilitator,
    held_on: _focus_datetime.date | None,
    place: str,
    language: str,
    wave: Wave | None = None,
    notes: str = "",
) -> FocusGroup:
    """Correct a session's details or write its notes. Notes that coded excerpts quote must
    keep those passages: remove the coding first."""
    require(by, "surveys.focus_groups", group)
    problems = _check_session(
        survey=group.survey,
        title=title,
        facilitator=facilitator,
        held_on=held_on,
        place=place,
        language=language,
        wave=wave,
    )
    kept = _squash(notes)
    lost = [e for e in group.excerpts.all() if _squash(e.excerpt) not in kept]
    if lost:
        problems["notes"] = gettext(
            "%(n)s coded excerpt(s) quote passages these notes no longer contain. Keep those "
            "passages, or remove their coding first."
        ) % {"n": len(lost)}
    if problems:
        raise FocusError(problems)
    values = {
        "title": title.strip(),
        "facilitator": facilitator,
        "held_on": held_on,
        "place": place.strip(),
        "language": language,
        "wave": wave,
        "notes": notes.strip(),
    }
    changed = sorted(name for name, value in values.items() if getattr(group, name) != value)
    for name, value in values.items():
        setattr(group, name, value)
    group.save()
    # The fields' names only: notes and places are staff-only text, not for the audit log.
    record(actor=by, action="survey.focus_group_edited", target=group, data={"changed": changed})
    return group


@transaction.atomic
def add_participant(
    *,
    group: FocusGroup,
    by,
    label: str,
    age_band: str = "",
    sex: str = "",
    race_ethnicity: str = "",
    tenure: str = "",
    district=None,
) -> Participant:
    """One person at the session, described only by a tag and the weighting categories."""
    require(by, "surveys.focus_groups", group)
    problems = {}
    tag = label.strip().upper()
    if not PARTICIPANT_LABEL.fullmatch(tag):
        problems["label"] = gettext(
            "Use a short tag such as P1 (up to three letters and a number), never a name."
        )
    elif group.participants.filter(label=tag).exists():
        problems["label"] = gettext("This session already has a participant %(tag)s.") % {
            "tag": tag
        }
    given = {"age_band": age_band, "sex": sex, "race_ethnicity": race_ethnicity, "tenure": tenure}
    for name, value in given.items():
        allowed = {code for code, _label in CATEGORIES[PARTICIPANT_FIELDS[name]]}
        if value and value not in allowed:
            problems[name] = gettext("Choose one of the listed answers, or leave it blank.")
    if problems:
        raise FocusError(problems)
    participant = Participant.objects.create(group=group, label=tag, district=district, **given)
    record(
        actor=by,
        action="survey.focus_participant_added",
        target=group,
        data={"participant": participant.pk},
    )
    return participant


def _descends_from(theme: Theme, ancestor: Theme) -> bool:
    seen = set()
    while theme is not None and theme.pk not in seen:
        if theme.pk == ancestor.pk:
            return True
        seen.add(theme.pk)
        theme = theme.parent
    return False


@transaction.atomic
def save_theme(
    *,
    survey: Survey,
    by,
    code: str,
    label: dict[str, str],
    description: str = "",
    parent: Theme | None = None,
    theme: Theme | None = None,
) -> Theme:
    """Add a theme to the survey's codebook (`theme` None) or change one."""
    require(by, "surveys.focus_groups", survey)
    problems = {}
    code = code.strip().lower()
    try:
        validate_slug(code)
    except ValidationError:
        problems["code"] = gettext(
            "Give a short code of letters, numbers, hyphens or underscores, such as slow_response."
        )
    else:
        taken = Theme.objects.filter(survey=survey, code=code)
        if theme is not None:
            taken = taken.exclude(pk=theme.pk)
        if taken.exists():
            problems["code"] = gettext("The codebook already has a theme with this code.")
    words = {language: (label.get(language) or "").strip() for language in _focus_languages()}
    for language, text in words.items():
        if not text:
            problems[f"label_{language}"] = gettext("Give the theme's name in every language.")
    if parent is not None:
        if parent.survey_id != survey.pk:
            problems["parent"] = gettext("Choose a theme of this survey's codebook.")
        elif theme is not None and _descends_from(parent, theme):
            problems["parent"] = gettext("A theme cannot sit under itself or its own sub-themes.")
    if problems:
        raise FocusError(problems)
    created = theme is None
    theme = theme or Theme(survey=survey)
    theme.code, theme.label, theme.description, theme.parent = (
        code,
        words,
        description.strip(),
        parent,
    )
    theme.save()
    record(
        actor=by,
        action="survey.focus_theme_added" if created else "survey.focus_theme_changed",
        target=theme,
        data={"survey": survey.slug, "code": code, "parent": parent.code if parent else ""},
    )
    return theme


@transaction.atomic
def code_excerpt(
    *,
    group: FocusGroup,
    by,
    theme: Theme | None,
    excerpt: str,
    participant: Participant | None = None,
) -> CodedExcerpt:
    """A passage of the session's notes coded with a theme of the survey's codebook, said by
    one participant or (participant None) by the group as a whole. The passage must be in the
    notes, so every count rests on something written down."""
    require(by, "surveys.focus_groups", group)
    problems = {}
    text = excerpt.strip()
    if theme is None or theme.survey_id != group.survey_id:
        problems["theme"] = gettext("Choose a theme of this survey's codebook.")
    if participant is not None and participant.group_id != group.pk:
        problems["participant"] = gettext("Choose a participant of this session, or none.")
    if not text:
        problems["excerpt"] = gettext("Paste the passage of the notes you are coding.")
    elif len(text) > EXCERPT_MAX:
        problems["excerpt"] = gettext(
            "Code a passage of at most %(n)s characters; split a longer one."
        ) % {"n": EXCERPT_MAX}
    elif not group.notes.strip():
        problems["excerpt"] = gettext(
            "This session has no notes yet: add them first, then code passages of them."
        )
    elif _squash(text) not in _squash(group.notes):
        problems["excerpt"] = gettext(
            "This passage is not in the session's notes. Copy it from the notes exactly."
        )
    if problems:
        raise FocusError(problems)
    coded = CodedExcerpt.objects.create(
        group=group, theme=theme, participant=participant, excerpt=text, coded_by=by
    )
    record(
        actor=by,
        action="survey.focus_excerpt_coded",
        target=group,
        data={"theme": theme.code, "excerpt": coded.pk, "participant": participant is not None},
    )
    return coded


@transaction.atomic
def remove_excerpt(*, excerpt: CodedExcerpt, by) -> None:
    """Take a coding back (a passage coded with the wrong theme, say)."""
    require(by, "surveys.focus_groups", excerpt.group)
    group, code, pk = excerpt.group, excerpt.theme.code, excerpt.pk
    excerpt.delete()
    record(
        actor=by,
        action="survey.focus_excerpt_removed",
        target=group,
        data={"theme": code, "excerpt": pk},
    )


def view_focus_group(*, group: FocusGroup, by) -> None:
    """A session's notes and excerpts are staff-only words: who read them is kept."""
    require(by, "surveys.focus_groups", group)
    record(actor=by, action="survey.focus_group_viewed", target=group)
