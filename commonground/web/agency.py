"""How residents reach the agency other than through this site (settings AGENCY_PHONE,
AGENCY_EMAIL, AGENCY_ADDRESS, AGENCY_OPENING_HOURS), ready for a page in the reader's language.

Opening hours are written in OpenStreetMap's opening_hours form ("Mo-Fr 08:00-18:00; Sa
10:00-14:00"); the opening-hours-py parser reads them, so any rule it accepts (several time ranges,
days off, "24/7") is shown as what it means for the week, and the days and times are written in
the reader's language by Babel. A setting that does not parse stops the site at start-up (see
commonground.web.checks) rather than showing nonsense."""

import datetime
from dataclasses import dataclass
from functools import lru_cache

import opening_hours
from babel.dates import format_time, get_day_names
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language, to_locale

DASH = "\u2013"  # the en dash of a range


@dataclass(frozen=True)
class Hours:
    days: str  # "Monday to Friday" with an en dash, in the reader's language
    times: str  # "8:00 AM to 6:00 PM" likewise, in the locale's own time format


@dataclass(frozen=True)
class AgencyContact:
    phone: str
    email: str
    address_lines: list[str]
    hours: list[Hours]

    def __bool__(self):
        return bool(self.phone or self.email or self.address_lines or self.hours)


def parse_hours(expression: str) -> opening_hours.OpeningHours:
    """The parsed expression; raises opening_hours.ParserError if malformed."""
    return opening_hours.OpeningHours(expression)


def weekly_hours(expression: str, language: str, today: datetime.date) -> list[Hours]:
    """The expression as one line per run of days that share the same opening times."""
    return list(_weekly_hours(expression, to_locale(language), today))


@lru_cache(maxsize=64)
def _weekly_hours(expression: str, locale: str, today: datetime.date) -> tuple[Hours, ...]:
    if not expression.strip():
        return ()
    parsed = parse_hours(expression)
    monday = datetime.datetime.combine(
        today - datetime.timedelta(days=today.weekday()), datetime.time()
    )
    days: list[list[tuple[datetime.time, datetime.time]]] = [[] for _ in range(7)]
    for start, end, state, _comment in parsed.intervals(monday, monday + datetime.timedelta(7)):
        if state != opening_hours.State.OPEN:
            continue
        while start < end:  # split a range that runs past midnight at each midnight
            midnight = datetime.datetime.combine(
                start.date() + datetime.timedelta(1), datetime.time()
            )
            stop = min(end, midnight)
            days[start.weekday()].append((start.time(), stop.time()))
            start = stop
    names = get_day_names("wide", locale=locale)  # 0 is Monday
    rows: list[Hours] = []
    first = 0
    for index in range(1, 8):
        if index < 7 and days[index] == days[first]:
            continue
        label = names[first] if index - 1 == first else f"{names[first]}{DASH}{names[index - 1]}"
        times = ", ".join(
            f"{_time(a, locale)}{DASH}{_time(b, locale, end=True)}" for a, b in days[first]
        )
        if times:
            rows.append(Hours(days=label[:1].upper() + label[1:], times=times))
        first = index
    return tuple(rows)


def _time(value: datetime.time, locale: str, end: bool = False) -> str:
    if end and value == datetime.time():
        value = datetime.time(23, 59)  # an interval that ends at midnight ends with the day
    return format_time(value, format="short", locale=locale)


def agency_contact(language: str | None = None) -> AgencyContact:
    address = settings.AGENCY_ADDRESS
    return AgencyContact(
        phone=settings.AGENCY_PHONE,
        email=settings.AGENCY_EMAIL,
        address_lines=[line.strip() for line in address.splitlines() if line.strip()],
        hours=weekly_hours(
            settings.AGENCY_OPENING_HOURS,
            language or get_language() or settings.LANGUAGE_CODE,
            timezone.localdate(),
        ),
    )
