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


# --- sample: address frames, samples, invitations, letters ---------------------------------

import secrets  # noqa: E402

from django.core.exceptions import ValidationError  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from commonground.roster.models import District  # noqa: E402
from commonground.surveys import sampling  # noqa: E402
from commonground.surveys.models import (  # noqa: E402
    Address,
    AddressFrame,
    Sample,
    SampleKind,
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
