"""Sunset and civil dusk for many places and dates at once, in local clock time.

astral computes one event for one place and date in pure Python (about 10 microseconds); the
veil-of-darkness test needs two events for every district and every day of the period, which
for 20 districts over 5 years would take longer than the rest of the analysis. So this module
runs astral's own algorithm (NOAA's solar equations, as in `astral.sun.time_of_transit`) on
numpy arrays, with astral's Julian days, zenith angles and refraction, and converts to local
time with zoneinfo. The tests check it against `astral.sun.sunset` and `astral.sun.dusk` minute
for minute, across daylight-saving changes.
"""

import datetime
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
from astral import Depression, refraction_at_zenith
from astral.julian import julianday
from astral.sun import SUN_APPARENT_RADIUS

SUNSET_ZENITH = 90.0 + SUN_APPARENT_RADIUS
DUSK_ZENITH = 90.0 + Depression.CIVIL.value
MINUTES_PER_DAY = 1440
UNIX_EPOCH = datetime.date(1970, 1, 1).toordinal()


def _setting_utc_minutes(
    julian_day: np.ndarray, latitude: np.ndarray, longitude: np.ndarray, zenith: float
) -> np.ndarray:
    """Minutes after 00:00 UTC of each Julian day when the setting sun reaches `zenith` (NaN
    where it does not), with astral's two refining passes."""
    zenith = zenith + refraction_at_zenith(zenith)
    latitude = np.radians(np.clip(latitude, -89.8, 89.8))
    adjustment = 0.0
    for _ in range(2):
        jc = (julian_day + adjustment - 2451545.0) / 36525.0
        mean_long = np.radians((280.46646 + jc * (36000.76983 + 0.0003032 * jc)) % 360.0)
        anomaly = np.radians(357.52911 + jc * (35999.05029 - 0.0001537 * jc))
        eccentricity = 0.016708634 - jc * (0.000042037 + 0.0000001267 * jc)
        centre = (
            np.sin(anomaly) * (1.914602 - jc * (0.004817 + 0.000014 * jc))
            + np.sin(2 * anomaly) * (0.019993 - 0.000101 * jc)
            + np.sin(3 * anomaly) * 0.000289
        )
        omega = np.radians(125.04 - 1934.136 * jc)
        apparent_long = np.radians(
            np.degrees(mean_long) + centre - 0.00569 - 0.00478 * np.sin(omega)
        )
        seconds = 21.448 - jc * (46.815 + jc * (0.00059 - jc * 0.001813))
        obliquity = np.radians(23.0 + (26.0 + seconds / 60.0) / 60.0 + 0.00256 * np.cos(omega))
        declination = np.arcsin(np.sin(obliquity) * np.sin(apparent_long))
        y = np.tan(obliquity / 2.0) ** 2
        equation_of_time = 4.0 * np.degrees(
            y * np.sin(2.0 * mean_long)
            - 2.0 * eccentricity * np.sin(anomaly)
            + 4.0 * eccentricity * y * np.sin(anomaly) * np.cos(2.0 * mean_long)
            - 0.5 * y * y * np.sin(4.0 * mean_long)
            - 1.25 * eccentricity * eccentricity * np.sin(2.0 * anomaly)
        )
        with np.errstate(invalid="ignore"):
            hour_angle = -np.arccos(
                (np.cos(np.radians(zenith)) - np.sin(latitude) * np.sin(declination))
                / (np.cos(latitude) * np.cos(declination))
            )
        offset = (-longitude - np.degrees(hour_angle)) * 4.0 - equation_of_time
        time_utc = 720.0 + np.where(offset < -720.0, offset + MINUTES_PER_DAY, offset)
        adjustment = time_utc / MINUTES_PER_DAY
    return time_utc


def _utc_offset_minutes(seconds: np.ndarray, zone: ZoneInfo) -> np.ndarray:
    """The zone's offset from UTC, in minutes, at each instant (seconds since 1970; NaN stays
    NaN). Offsets change on whole minutes, so they are looked up once per distinct minute."""
    minutes = np.floor(seconds / 60)
    known = np.isfinite(minutes)
    distinct, index = np.unique(minutes[known], return_inverse=True)
    offsets = np.array(
        [
            datetime.datetime.fromtimestamp(minute * 60, zone).utcoffset().total_seconds() / 60
            for minute in distinct
        ],
        dtype=float,
    )
    result = np.full(seconds.shape, np.nan)
    result[known] = offsets[index]
    return result


def _local_minutes(
    ordinals: np.ndarray,
    latitude: np.ndarray,
    longitude: np.ndarray,
    zenith: float,
    zone: ZoneInfo,
) -> np.ndarray:
    """Minutes after local midnight of each date (columns) at each place (rows) when the
    setting sun reaches `zenith`; NaN when that does not happen on that local date. As astral
    does, the event is first computed for the UTC date with the same number, and for the next
    or previous one when that lands on another local date."""
    # A Julian day number is the date's ordinal plus a constant; astral gives the constant.
    julian_days = ordinals + (julianday(datetime.date.fromordinal(ordinals[0])) - ordinals[0])

    def local(shift: int, days: np.ndarray) -> np.ndarray:
        utc = _setting_utc_minutes(
            julian_days[None, days] + shift, latitude[:, None], longitude[:, None], zenith
        )
        instant = (ordinals[None, days] + shift - UNIX_EPOCH) * 86400.0 + utc * 60
        return utc + _utc_offset_minutes(instant, zone) + shift * MINUTES_PER_DAY

    every_day = np.arange(len(ordinals))
    result = local(0, every_day)
    with np.errstate(invalid="ignore"):
        # Too early for the local date: astral tries the next UTC date; too late, the previous.
        for shift, wrong in ((1, result < 0), (-1, result >= MINUTES_PER_DAY)):
            days = every_day[wrong.any(axis=0)]
            if len(days):
                result[:, days] = np.where(wrong[:, days], local(shift, days), result[:, days])
        return np.where((result >= 0) & (result < MINUTES_PER_DAY), result, np.nan)


def sun_times(
    places: Mapping[str, tuple[float, float]],
    first: datetime.date,
    last: datetime.date,
    *,
    time_zone: str,
) -> pl.DataFrame:
    """Sunset and civil dusk (sun 6 degrees below the horizon) as whole minutes after local
    midnight (the minute they fall in), for each place (code -> latitude, longitude) and each
    date from `first` to `last`: columns district, date, sunset_minute, dusk_minute. Local means
    the wall clock of `time_zone` on that date, daylight saving time included. A date on which
    the sun does not set or dusk does not come the same evening (far north in summer) has no
    row."""
    codes = list(places)
    ordinals = np.arange(first.toordinal(), last.toordinal() + 1)
    latitude = np.array([places[code][0] for code in codes], dtype=float)
    longitude = np.array([places[code][1] for code in codes], dtype=float)
    zone = ZoneInfo(time_zone)
    sunset = _local_minutes(ordinals, latitude, longitude, SUNSET_ZENITH, zone)
    dusk = _local_minutes(ordinals, latitude, longitude, DUSK_ZENITH, zone)
    with np.errstate(invalid="ignore"):
        place, day = np.nonzero(np.isfinite(sunset) & np.isfinite(dusk) & (dusk >= sunset))
    return pl.DataFrame(
        {
            "district": pl.Series([codes[i] for i in place], dtype=pl.String),
            "date": pl.Series(ordinals[day] - UNIX_EPOCH, dtype=pl.Int32).cast(pl.Date),
            "sunset_minute": np.floor(sunset[place, day]).astype(np.int16),
            "dusk_minute": np.floor(dusk[place, day]).astype(np.int16),
        }
    )
