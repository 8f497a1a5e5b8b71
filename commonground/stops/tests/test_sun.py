import datetime
from zoneinfo import ZoneInfo

import pytest
from astral import Observer, sun

from commonground.stops.sun import sun_times

PLACES = {
    "chicago": (41.88, -87.63, "America/Chicago"),
    "phoenix": (33.45, -112.07, "America/Phoenix"),  # no daylight saving time
    "fairbanks": (64.84, -147.72, "America/Anchorage"),  # no dusk in high summer
    "auckland": (-36.85, 174.76, "Pacific/Auckland"),  # southern summer time
}


def astral_minutes(lat, lng, zone, day):
    """Sunset and dusk as astral gives them, in whole local minutes, or None."""
    observer = Observer(lat, lng)
    try:
        sunset = sun.sunset(observer, day, tzinfo=ZoneInfo(zone))
        dusk = sun.dusk(observer, day, tzinfo=ZoneInfo(zone))
    except ValueError:
        return None
    if sunset.date() != day or dusk.date() != day:
        return None
    minutes = sunset.hour * 60 + sunset.minute, dusk.hour * 60 + dusk.minute
    # Far north in May astral gives the dusk just after midnight, which belongs to the evening
    # before: that evening's light is then unclear, and the day has no row in our table.
    return minutes if minutes[1] >= minutes[0] else None


@pytest.mark.parametrize("place", PLACES)
def test_sun_times_agree_with_astral_every_day_of_a_year(place):
    lat, lng, zone = PLACES[place]
    first, last = datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)
    table = sun_times({place: (lat, lng)}, first, last, time_zone=zone)
    ours = {day: (sunset, dusk) for _code, day, sunset, dusk in table.iter_rows()}
    expected = {}
    for offset in range((last - first).days + 1):
        day = first + datetime.timedelta(days=offset)
        if (minutes := astral_minutes(lat, lng, zone, day)) is not None:
            expected[day] = minutes
    assert ours == expected
    if place == "fairbanks":
        assert datetime.date(2024, 6, 21) not in ours  # it never gets dark enough
    else:
        assert len(ours) == 366


def test_daylight_saving_moves_sunset_by_an_hour_on_the_clock():
    table = sun_times(
        {"chicago": (41.88, -87.63)},
        datetime.date(2024, 3, 9),
        datetime.date(2024, 3, 10),
        time_zone="America/Chicago",
    )
    before, after = table["sunset_minute"].to_list()
    assert 59 <= after - before <= 62


def test_several_places_at_once_match_each_place_alone():
    places = {code: (lat, lng) for code, (lat, lng, _zone) in PLACES.items()}
    first, last = datetime.date(2025, 6, 1), datetime.date(2025, 6, 30)
    together = sun_times(places, first, last, time_zone="America/Chicago")
    for code, point in places.items():
        alone = sun_times({code: point}, first, last, time_zone="America/Chicago")
        assert together.filter(district=code).equals(alone)
