"""The printed letter: the agency's letterhead and return address, the resident's name and
postal address where a window envelope shows it, the date, the reference and the milestone's
words, all in the resident's language. Rendered as HTML, then to PDF with WeasyPrint."""

import re

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import dates, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from commonground.correspondence.models import ContactTask

DAY_CODES = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
_RULE = re.compile(r"^\s*(?P<days>[A-Za-z,\- ]+?)\s+(?P<times>[0-9:,\- ]+)\s*$")


def opening_hours(spec: str) -> list[str]:
    """'Mo-Fr 08:00-18:00; Sa 10:00-14:00' as lines with the days named in the active language
    ('Monday to Friday: 08:00-18:00', 'Lunes a viernes: 08:00-18:00'). A part it cannot read is shown as written."""
    lines = []
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        match = _RULE.match(part)
        days = match and _days(match["days"])
        lines.append(f"{capfirst(days)}: {match['times'].strip()}" if days else part)
    return lines


def _days(text: str) -> str:
    named = []
    for piece in (p.strip() for p in text.split(",")):
        ends = [
            DAY_CODES.index(d.strip()) if d.strip() in DAY_CODES else None for d in piece.split("-")
        ]
        if None in ends or len(ends) > 2:
            return ""
        names = [str(dates.WEEKDAYS[i]) for i in ends]
        named.append(
            _("%(first)s to %(last)s") % {"first": names[0], "last": names[1]}
            if len(names) == 2
            else names[0]
        )
    return ", ".join(named)


def letter_context(task: ContactTask) -> dict:
    contact = task.report.reporter_contact or {}
    return {
        "task": task,
        "report": task.report,
        "name": contact.get("name", ""),
        "address_lines": [line for line in contact.get("address", "").splitlines() if line.strip()],
        "agency": settings.AGENCY_NAME,
        "agency_address": settings.AGENCY_ADDRESS.splitlines(),
        "agency_phone": settings.AGENCY_PHONE,
        "agency_email": settings.AGENCY_EMAIL,
        "opening_hours": opening_hours(settings.AGENCY_OPENING_HOURS),
        "today": timezone.localdate(),
    }


def letter_html(task: ContactTask) -> str:
    with translation.override(task.language):
        context = letter_context(task)
        return render_to_string("correspondence/letter.html", context)


def letter_pdf(task: ContactTask) -> bytes:
    from weasyprint import HTML

    return HTML(string=letter_html(task), base_url=settings.SITE_URL).write_pdf()
