"""Address-based samples: reading an address list, allocating a sample to districts, drawing it
with a recorded seed, and the invitation letters with their codes and QR codes.

How letters get their codes. A drawn invitation gets a placeholder hash that no typed code can
ever match (`UNPRINTED` + random hex; a real code's hash is 64 hex digits). Printing makes a
fresh code for each letter, stores only its keyed hash on the invitation and puts the code on
the page; the code itself is never saved, not even encrypted. Reprinting makes new codes
again, so the codes on earlier letters stop working. A used invitation is never reprinted.

Nothing here writes to the database: `commonground.surveys.actions` does, through these."""

import csv
import io
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import segno
from django.conf import settings
from django.utils.translation import gettext as _

COLUMNS = ("line1", "line2", "city", "postcode", "district")
LIMITS = {"line1": 200, "line2": 200, "city": 100, "postcode": 20, "district": 20}
# A placeholder hash is never 64 hex digits, so no code typed by anyone can find it.
UNPRINTED = "unprinted:"
# The resident's entry page (the online area's): /survey/ redirects to the reader's language.
SURVEY_PATH = "/survey/"
# Lists longer than this are written by a background task that shows its progress.
LOAD_AT_ONCE = 20_000
LOAD_CHUNK = 5_000
# How many errors an import shows; the rest are counted.
ERRORS_SHOWN = 50
# Seeds are small enough to copy by hand into a report; they need not be secret.
SEED_LIMIT = 10**9


def placeholder_hash() -> str:
    return UNPRINTED + secrets.token_hex(27)


def new_seed() -> int:
    return secrets.randbelow(SEED_LIMIT)


# --- Reading an address list --------------------------------------------------------------


@dataclass
class RowError:
    row: int  # the line of the file, the header being line 1
    message: str


@dataclass
class ReadAddresses:
    rows: list[dict] = field(default_factory=list)  # good rows, duplicates removed
    errors: list[RowError] = field(default_factory=list)
    problem: str = ""  # a fault of the whole file (encoding, header): nothing can be read
    duplicates: int = 0
    read: int = 0  # data rows in the file
    ignored_columns: list[str] = field(default_factory=list)


def _text(upload) -> io.TextIOBase:
    raw = upload.read() if hasattr(upload, "read") else upload
    if isinstance(raw, str):
        return io.StringIO(raw)
    return io.StringIO(raw.decode("utf-8-sig"))


def read_addresses(upload, districts: Mapping[str, object]) -> ReadAddresses:
    """The rows of a CSV address list (columns line1, line2, city, postcode, district: the
    district's code), each checked: line1 and district are needed, the district must be one
    of `districts` (code -> district), and no value may be longer than its column. Exact
    duplicates (after trimming spaces) are kept once and counted."""
    result = ReadAddresses()
    try:
        reader = csv.reader(_text(upload))
        header = next(reader, None)
    except UnicodeDecodeError:
        result.problem = _(
            "The file is not UTF-8 text. Save it from your spreadsheet as CSV UTF-8."
        )
        return result
    except csv.Error as error:
        result.problem = _("The file could not be read as CSV: %(error)s") % {"error": error}
        return result
    if not header:
        result.problem = _("The file is empty. Its first line must name the columns.")
        return result
    names = [name.strip().lower() for name in header]
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        result.problem = _(
            "The first line must name the columns %(expected)s. Missing: %(missing)s."
        ) % {"expected": ", ".join(COLUMNS), "missing": ", ".join(missing)}
        return result
    result.ignored_columns = [h for h, n in zip(header, names, strict=True) if n not in COLUMNS]
    where = {name: names.index(name) for name in COLUMNS}
    seen = set()
    try:
        for line, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            result.read += 1
            row = {
                name: (values[i].strip() if i < len(values) else "") for name, i in where.items()
            }
            problems = _row_problems(row, districts)
            if problems:
                result.errors.append(RowError(line, " ".join(problems)))
                continue
            key = tuple(row[name] for name in COLUMNS)
            if key in seen:
                result.duplicates += 1
                continue
            seen.add(key)
            result.rows.append(row)
    except UnicodeDecodeError:
        result.problem = _(
            "The file is not UTF-8 text. Save it from your spreadsheet as CSV UTF-8."
        )
    except csv.Error as error:
        result.problem = _("The file could not be read as CSV: %(error)s") % {"error": error}
    return result


def rows_csv(rows: list[dict]) -> str:
    """Checked rows as CSV, to hand to the background task."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def read_rows_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _row_problems(row: dict, districts: Mapping[str, object]) -> list[str]:
    problems = []
    if not row["line1"]:
        problems.append(_("The first address line (line1) is empty."))
    if not row["district"]:
        problems.append(_("The district code is empty."))
    elif row["district"] not in districts:
        problems.append(
            _("There is no district with the code “%(code)s”.") % {"code": row["district"]}
        )
    for name, limit in LIMITS.items():
        if len(row[name]) > limit:
            problems.append(
                _("%(column)s is longer than %(limit)s characters.")
                % {"column": name, "limit": limit}
            )
    return problems


# --- Allocating and drawing -----------------------------------------------------------------


class Allocation:
    PROPORTIONAL = "proportional"
    EQUAL = "equal"
    PER_DISTRICT = "per_district"


class AllocationError(ValueError):
    pass


def _largest_remainder(total: int, shares: dict[str, float], room: dict[str, int]) -> dict:
    """`total` units split in proportion to `shares`, none above its `room`, rounding by
    largest remainder (ties to the district code first in order); what a full stratum cannot
    take goes to the others the same way."""
    sizes = dict.fromkeys(shares, 0)
    left = total
    open_ = {code for code in shares if room[code] > 0 and shares[code] > 0}
    while left > 0 and open_:
        weight = sum(shares[c] for c in open_)
        exact = {c: left * shares[c] / weight for c in open_}
        given = {c: min(int(exact[c]), room[c] - sizes[c]) for c in open_}
        order = sorted(open_, key=lambda c: (-(exact[c] - int(exact[c])), c))
        spare = left - sum(given.values())
        for c in order:
            if spare <= 0:
                break
            if sizes[c] + given[c] < room[c]:
                given[c] += 1
                spare -= 1
        for c, n in given.items():
            sizes[c] += n
        left = total - sum(sizes.values())
        open_ = {c for c in open_ if sizes[c] < room[c]}
        if not any(given.values()):
            break
    return sizes


def allocate(
    frame_sizes: Mapping[str, int],
    how: str,
    total: int | None = None,
    per_district: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """How many addresses to draw in each district: `total` in proportion to the frame's
    districts or equally among them, or the sizes given per district."""
    if how == Allocation.PER_DISTRICT:
        per_district = per_district or {}
        sizes = {code: int(per_district.get(code) or 0) for code in frame_sizes}
        for code, n in sizes.items():
            if n < 0:
                raise AllocationError(_("A sample size cannot be negative."))
            if n > frame_sizes[code]:
                raise AllocationError(
                    _("District %(code)s has only %(frame)s addresses; it cannot give %(n)s.")
                    % {"code": code, "frame": frame_sizes[code], "n": n}
                )
        if not sum(sizes.values()):
            raise AllocationError(_("Give at least one district a sample size above 0."))
        return sizes
    available = sum(frame_sizes.values())
    if not total or total < 1:
        raise AllocationError(_("Give the number of addresses to draw, 1 or more."))
    if total > available:
        raise AllocationError(
            _("The list has only %(available)s addresses; you asked for %(total)s.")
            % {"available": available, "total": total}
        )
    if how == Allocation.PROPORTIONAL:
        shares = {code: float(n) for code, n in frame_sizes.items()}
    elif how == Allocation.EQUAL:
        shares = dict.fromkeys(frame_sizes, 1.0)
    else:
        raise AllocationError(_("Choose how to share the sample among the districts."))
    return _largest_remainder(total, shares, dict(frame_sizes))


def draw(units: Mapping[str, list[int]], sizes: Mapping[str, int], seed: int) -> dict:
    """Simple random samples without replacement in each stratum, from numpy's Generator
    (PCG64). Stratum i (districts in code order) draws from the i-th child of the seed's
    SeedSequence, over its units sorted by id: the same frame, sizes and seed give the same
    addresses, and one stratum's draw does not depend on another's size."""
    codes = sorted(units)
    children = np.random.SeedSequence(seed).spawn(len(codes))
    drawn = {}
    for code, child in zip(codes, children, strict=True):
        ids = np.array(sorted(units[code]), dtype=np.int64)
        n = int(sizes.get(code, 0))
        if n <= 0:
            drawn[code] = []
            continue
        picked = np.random.Generator(np.random.PCG64(child)).choice(ids, size=n, replace=False)
        drawn[code] = sorted(int(i) for i in picked)
    return drawn


# --- Links, QR codes and letters -------------------------------------------------------------


def survey_address() -> str:
    """The address printed for typing: the entry page, which asks for the code."""
    return settings.SITE_URL.rstrip("/") + SURVEY_PATH


def _site_url(route: str, language: str, **kwargs) -> str:
    from django.urls import reverse
    from django.utils import translation

    with translation.override(language):
        return settings.SITE_URL.rstrip("/") + reverse(route, kwargs=kwargs)


def invitation_link(code: str, language: str = "en") -> str:
    """The link in a letter's QR code: the online survey's code link, in the invitation's
    language, which exchanges the code for a questionnaire and redirects away from it."""
    return _site_url("surveys:online_code_link", language, code=code.replace("-", ""))


def open_link(wave, language: str = "en") -> str:
    """The wave's open (opt-in) link, for posters and social media."""
    return _site_url("surveys:online_open", language, survey=wave.survey.slug)


def qr_svg(data: str, title: str = "") -> str:
    """An inline SVG QR code (error correction M, which survives a crease or smudge)."""
    return segno.make(data, error="m", micro=False).svg_inline(
        scale=4, border=4, title=title or None, dark="#000", light="#fff"
    )


_PATH_STEP = re.compile(r"([MmHhVv])\s*(-?\d+(?:\.\d+)?)(?:[\s,]+(-?\d+(?:\.\d+)?))?")


def qr_matrix(svg: str) -> list[list[bool]]:
    """The dark modules of a QR code read back from segno's SVG path (rows of horizontal
    strokes), so a test can check the printed symbol is the one the link encodes."""
    scale = float(re.search(r'transform="scale\(([\d.]+)\)"', svg)[1]) if "scale(" in svg else 1
    width = int(float(re.search(r'width="([\d.]+)"', svg)[1]) / scale)
    d = re.search(r'<path[^>]*stroke="[^"]*"[^>]* d="([^"]+)"', svg)[1]
    grid = [[False] * width for _ in range(width)]
    x = y = 0.0
    for command, a, b in _PATH_STEP.findall(d):
        a = float(a)
        if command == "M":
            x, y = a, float(b)
        elif command == "m":
            x, y = x + a, y + float(b)
        elif command in "hH":
            end = x + a if command == "h" else a
            for column in range(int(min(x, end)), int(max(x, end))):
                grid[int(y)][column] = True
            x = end
    return grid


def symbol_matrix(data: str, border: int = 4) -> list[list[bool]]:
    """The modules segno makes for `data` with the letters' settings, border included."""
    qr = segno.make(data, error="m", micro=False)
    return [[bool(v) for v in row] for row in qr.matrix_iter(scale=1, border=border)]


def address_lines(address) -> list[str]:
    last = " ".join(part for part in (address.city, address.postcode) if part)
    return [line for line in (address.line1, address.line2, last) if line]


def letters_html(letters: Iterable[dict], survey, languages: Iterable[str] = ("en", "es")) -> str:
    """Every letter of a batch as one HTML document, one page each, in each of `languages`."""
    from django.template.loader import render_to_string

    from commonground.surveys.models import in_language

    languages = list(languages)
    return render_to_string(
        "surveys/sample/letters.html",
        {
            "letters": list(letters),
            "titles": [(lang, in_language(survey.title, lang)) for lang in languages],
            "address": survey_address(),
            "agency": settings.AGENCY_NAME,
            "agency_address": settings.AGENCY_ADDRESS.splitlines(),
            "agency_phone": settings.AGENCY_PHONE,
        },
    )


def letter(invitation, code: str) -> dict:
    link = invitation_link(code, invitation.language)
    return {
        "code": code,
        "link": link,
        "qr": qr_svg(link, title=_("QR code: a link to the survey with your code")),
        "lines": address_lines(invitation.address) if invitation.address else [],
    }


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=settings.SITE_URL).write_pdf()
