from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonground.investigations.deadlines import due_date, holiday_calendar, working_day

dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
day_counts = st.integers(min_value=0, max_value=400)


def near(start: date) -> st.SearchStrategy[date]:
    """Dates around `start`, so that pauses and holidays land where they change the count more
    often than dates drawn from a whole decade would."""
    return st.dates(min_value=start - timedelta(days=60), max_value=start + timedelta(days=900))


def closed_pauses(start: date) -> st.SearchStrategy[tuple[date, date]]:
    return st.tuples(near(start), near(start)).map(lambda pair: (min(pair), max(pair)))


def open_pauses(start: date) -> st.SearchStrategy[tuple[date, None]]:
    return st.tuples(near(start), st.none())


def holiday_sets(start: date) -> st.SearchStrategy[set[date]]:
    return st.sets(near(start), max_size=40)


@st.composite
def scenarios(draw: st.DrawFn, *, open_allowed: bool = True) -> dict:
    start = draw(dates)
    pause = closed_pauses(start)
    if open_allowed:
        pause |= open_pauses(start)
    return {
        "start": start,
        "days": draw(day_counts),
        "working_days": draw(st.booleans()),
        "pauses": draw(st.lists(pause, max_size=4)),
        "holidays": draw(holiday_sets(start)),
    }


def counts(day: date, *, start: date, working_days: bool, pauses, holidays) -> bool:
    """Whether `day` counts towards a deadline, read straight off the rules."""
    if day <= start:
        return False
    for paused_on, resumed_on in pauses:
        if paused_on <= day and (resumed_on is None or day < resumed_on):
            return False
    if working_days:
        return day.weekday() not in (5, 6) and day not in holidays
    return True


def reference_due_date(*, start: date, days: int, working_days: bool, pauses, holidays):
    """Deliberately slow and plain: step one day at a time and ask `counts` about each."""
    stops = [paused_on for paused_on, resumed_on in pauses if resumed_on is None]
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if any(stop <= day for stop in stops):
            return None
        if counts(day, start=start, working_days=working_days, pauses=pauses, holidays=holidays):
            counted += 1
    return day


@given(scenarios())
def test_due_date_matches_the_day_by_day_reference(scenario):
    assert due_date(**scenario) == reference_due_date(**scenario)


@given(start=dates, days=day_counts)
def test_calendar_days_without_pauses_are_plain_date_arithmetic(start, days):
    assert due_date(start=start, days=days, working_days=False) == start + timedelta(days=days)


@given(scenarios())
def test_pauses_and_days_off_only_push_the_deadline_later(scenario):
    due = due_date(**scenario)
    if due is not None:
        assert due >= scenario["start"] + timedelta(days=scenario["days"])


@given(scenarios())
def test_one_more_day_always_lands_on_a_later_day(scenario):
    due = due_date(**scenario)
    later = due_date(**{**scenario, "days": scenario["days"] + 1})
    if due is None:
        assert later is None
    elif later is not None:
        assert later > due


@given(st.data(), scenarios())
def test_adding_a_pause_never_brings_the_deadline_forward(data, scenario):
    start = scenario["start"]
    extra = data.draw(st.one_of(closed_pauses(start), open_pauses(start)))
    due = due_date(**scenario)
    paused = due_date(**{**scenario, "pauses": [*scenario["pauses"], extra]})
    if due is None:
        assert paused is None
    elif paused is not None:
        assert paused >= due


@given(scenarios(open_allowed=False).filter(lambda s: s["days"] > 0))
def test_working_day_deadline_falls_on_a_working_day_after_exactly_enough_days(scenario):
    scenario["working_days"] = True
    due = due_date(**scenario)
    assert working_day(due, scenario["holidays"])
    assert not any(paused_on <= due < resumed_on for paused_on, resumed_on in scenario["pauses"])
    rules = {key: scenario[key] for key in ("start", "working_days", "pauses", "holidays")}
    span = (
        scenario["start"] + timedelta(days=n) for n in range((due - scenario["start"]).days + 1)
    )
    assert sum(counts(day, **rules) for day in span) == scenario["days"]


@given(st.data(), scenarios(open_allowed=False))
def test_a_pause_after_the_deadline_changes_nothing(data, scenario):
    due = due_date(**scenario)
    paused_on = data.draw(
        st.dates(min_value=due + timedelta(days=1), max_value=due + timedelta(days=400))
    )
    resumed_on = data.draw(st.dates(min_value=paused_on, max_value=paused_on + timedelta(days=400)))
    pauses = [*scenario["pauses"], (paused_on, resumed_on)]
    assert due_date(**{**scenario, "pauses": pauses}) == due


@given(st.data(), dates, st.integers(min_value=1, max_value=400))
def test_a_calendar_pause_before_the_deadline_moves_it_by_the_pause_length(data, start, days):
    after = data.draw(st.integers(min_value=1, max_value=days))
    length = data.draw(st.integers(min_value=0, max_value=days - after + 1))
    paused_on = start + timedelta(days=after)
    pause = (paused_on, paused_on + timedelta(days=length))
    due = due_date(start=start, days=days, working_days=False, pauses=[pause])
    assert due == start + timedelta(days=days + length)


@given(st.data(), scenarios(open_allowed=False))
def test_an_open_pause_stops_the_clock_only_if_it_begins_by_the_deadline(data, scenario):
    due = due_date(**scenario)
    start = scenario["start"]
    # The days either side of the deadline are where an off-by-one would hide; ask about them often.
    edges = st.sampled_from([due, due + timedelta(days=1)])
    anywhere = st.dates(min_value=start + timedelta(days=1), max_value=due + timedelta(days=30))
    paused_on = data.draw((edges | anywhere).filter(lambda day: day > start))
    paused = due_date(**{**scenario, "pauses": [*scenario["pauses"], (paused_on, None)]})
    assert paused == (None if paused_on <= due else due)


@given(st.data(), scenarios())
def test_the_order_of_pauses_does_not_matter(data, scenario):
    shuffled = data.draw(st.permutations(scenario["pauses"]))
    assert due_date(**{**scenario, "pauses": shuffled}) == due_date(**scenario)


def test_180_calendar_days_from_new_year():
    assert due_date(start=date(2026, 1, 1), days=180, working_days=False) == date(2026, 6, 30)


def test_ten_working_days_skip_weekends_and_thanksgiving(settings):
    settings.DEADLINE_HOLIDAY_COUNTRY = "US"
    settings.DEADLINE_HOLIDAY_SUBDIVISION = ""
    holidays = holiday_calendar([2026])
    friday = date(2026, 11, 20)
    due = due_date(start=friday, days=10, working_days=True, holidays=holidays)
    assert due == date(2026, 12, 7)


def test_a_five_day_pause_moves_a_30_day_deadline_by_five_days():
    start = date(2026, 3, 1)
    assert due_date(start=start, days=30, working_days=False) == date(2026, 3, 31)
    pause = (date(2026, 3, 10), date(2026, 3, 15))
    assert due_date(start=start, days=30, working_days=False, pauses=[pause]) == date(2026, 4, 5)


def test_an_open_pause_leaves_no_deadline_until_the_clock_restarts():
    pause = (date(2026, 3, 10), None)
    assert due_date(start=date(2026, 3, 1), days=30, working_days=False, pauses=[pause]) is None


def test_a_deadline_already_passed_survives_an_open_pause():
    pause = (date(2026, 5, 1), None)
    due = due_date(start=date(2026, 3, 1), days=30, working_days=False, pauses=[pause])
    assert due == date(2026, 3, 31)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        due_date(start=date(2026, 3, 1), days=-1, working_days=False)


def test_a_pause_that_ends_before_it_begins_is_refused():
    pause = (date(2026, 3, 10), date(2026, 3, 9))
    with pytest.raises(ValueError):
        due_date(start=date(2026, 3, 1), days=30, working_days=False, pauses=[pause])


def test_weekends_and_holidays_are_not_working_days():
    holidays = {date(2026, 11, 26)}
    assert working_day(date(2026, 11, 25), holidays)
    assert not working_day(date(2026, 11, 26), holidays)
    assert not working_day(date(2026, 11, 28), holidays)
    assert not working_day(date(2026, 11, 29), holidays)


def test_holiday_calendar_follows_the_configured_country(settings):
    settings.DEADLINE_HOLIDAY_COUNTRY = "US"
    settings.DEADLINE_HOLIDAY_SUBDIVISION = ""
    us = holiday_calendar([2026])
    assert date(2026, 7, 4) in us
    assert date(2026, 12, 25) in us
    assert date(2026, 11, 26) in us
    assert date(2026, 1, 6) not in us

    # Same years, new country: the cache must not hand back the American calendar.
    settings.DEADLINE_HOLIDAY_COUNTRY = "ES"
    spain = holiday_calendar([2026])
    assert date(2026, 10, 12) in spain
    assert date(2026, 1, 6) in spain
    assert date(2026, 11, 26) not in spain


def test_holiday_calendar_includes_the_configured_subdivision(settings):
    settings.DEADLINE_HOLIDAY_COUNTRY = "US"
    settings.DEADLINE_HOLIDAY_SUBDIVISION = ""
    assert date(2026, 3, 31) not in holiday_calendar([2026])
    settings.DEADLINE_HOLIDAY_SUBDIVISION = "CA"
    assert date(2026, 3, 31) in holiday_calendar([2026])


def test_holiday_calendar_covers_every_year_asked_for(settings):
    settings.DEADLINE_HOLIDAY_COUNTRY = "US"
    settings.DEADLINE_HOLIDAY_SUBDIVISION = ""
    calendar = holiday_calendar([2027, 2026])
    assert date(2026, 12, 25) in calendar
    assert date(2027, 1, 1) in calendar
    assert date(2028, 1, 1) not in calendar
