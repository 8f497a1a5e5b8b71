"""Every investigation deadline is computed here, by one function, so that a rule about counting
days is written once.

How `due_date` counts:

- The clock starts on `start`. That day is day 0 and is never counted; counting begins the day
  after. With `days=0` the deadline is `start` itself. A negative number of days is an error.
- A pause `(paused_on, resumed_on)` stops the clock from `paused_on` up to, but not including,
  `resumed_on`: those days are tolled and do not count. Pauses may overlap, come in any order, or
  lie before `start` (days on or before `start` never count anyway). A pause that resumes before
  it began is an error.
- In calendar mode every day that is not tolled counts. In working-day mode a day must also be a
  weekday (Monday to Friday) that is not in `holidays`.
- The deadline is the day on which the last of `days` counted days falls.
- A pause that has not ended (`resumed_on` is None) stops the clock for good from `paused_on`. If
  the deadline falls before that day (it already passed, or it comes before the pause began) it
  is returned; otherwise there is no deadline while the clock is stopped, and the answer is None.

Working-day deadlines need the public holidays of every year they may reach, so callers ask
`holiday_calendar` for the year of `start` and the years after it that the count can run into.
"""

import datetime
import functools
from collections.abc import Container, Iterable, Sequence

from django.conf import settings
from holidays import country_holidays

ONE_DAY = datetime.timedelta(days=1)
SATURDAY = 5


def working_day(day: datetime.date, holidays: Container[datetime.date]) -> bool:
    return day.weekday() < SATURDAY and day not in holidays


def due_date(
    *,
    start: datetime.date,
    days: int,
    working_days: bool,
    pauses: Sequence[tuple[datetime.date, datetime.date | None]] = (),
    holidays: Container[datetime.date] = frozenset(),
) -> datetime.date | None:
    if days < 0:
        raise ValueError(f"A deadline cannot be {days} days away.")
    tolled, stopped_on = _merge_pauses(pauses)
    day = start
    remaining = days
    index = 0
    while remaining:
        day += ONE_DAY
        if stopped_on is not None and day >= stopped_on:
            return None
        while index < len(tolled) and tolled[index][1] <= day:
            index += 1
        if index < len(tolled) and tolled[index][0] <= day:
            # Jump over the whole pause rather than stepping through it: pauses can run for years.
            day = tolled[index][1] - ONE_DAY
            continue
        if working_days and not working_day(day, holidays):
            continue
        remaining -= 1
    return day


def _merge_pauses(
    pauses: Iterable[tuple[datetime.date, datetime.date | None]],
) -> tuple[list[tuple[datetime.date, datetime.date]], datetime.date | None]:
    """Closed pauses as sorted, disjoint half-open ranges, and the day an open pause stops the
    clock (the earliest, if several are open)."""
    closed: list[tuple[datetime.date, datetime.date]] = []
    stopped_on: datetime.date | None = None
    for paused_on, resumed_on in pauses:
        if resumed_on is None:
            if stopped_on is None or paused_on < stopped_on:
                stopped_on = paused_on
        elif resumed_on < paused_on:
            raise ValueError(
                f"A pause cannot resume on {resumed_on} before it began on {paused_on}."
            )
        else:
            closed.append((paused_on, resumed_on))
    merged: list[tuple[datetime.date, datetime.date]] = []
    for paused_on, resumed_on in sorted(closed):
        if merged and paused_on <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], resumed_on))
        else:
            merged.append((paused_on, resumed_on))
    return merged, stopped_on


def holiday_calendar(years: Iterable[int]) -> Container[datetime.date]:
    """The public holidays of the configured country (and subdivision, if any) in `years`."""
    return _holiday_calendar(
        country=settings.DEADLINE_HOLIDAY_COUNTRY,
        subdivision=settings.DEADLINE_HOLIDAY_SUBDIVISION or None,
        years=tuple(sorted(set(years))),
    )


@functools.lru_cache(maxsize=64)
def _holiday_calendar(
    *, country: str, subdivision: str | None, years: tuple[int, ...]
) -> frozenset[datetime.date]:
    # A frozen set, not the library's object: that one adds years to itself when asked about a
    # date outside them, and a cached value must not change under its other users.
    return frozenset(country_holidays(country, subdiv=subdivision, years=years))
