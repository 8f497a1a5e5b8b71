"""Address frames, samples drawn from them, invitation letters and returned letters."""

import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from commonground.accounts.rules import require
from commonground.audit.actions import record
from commonground.roster.models import District
from commonground.surveys import codes, sampling
from commonground.surveys.models import (
    Address,
    AddressFrame,
    Invitation,
    Sample,
    SampleKind,
    Survey,
    Wave,
    WaveStatus,
)
from commonground.surveys.statistics import aapor


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
