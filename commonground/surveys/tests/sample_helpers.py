"""A survey with an address list, a wave with its drawn sample and a wave still without one,
made through the sampling actions (for the sampling tests and the permission tables)."""

import io

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.surveys.actions import draw_sample, import_address_frame
from commonground.surveys.models import WaveStatus
from commonground.surveys.tests.factories import make_districts, make_wave

HEADER = "line1,line2,city,postcode,district\n"


def address_csv(d1: int, d2: int) -> io.BytesIO:
    rows = [f"{n} North St,,Riverton,00001,D1\n" for n in range(1, d1 + 1)]
    rows += [f"{n} South Ave,Apt {n},Riverton,00002,D2\n" for n in range(1, d2 + 1)]
    return io.BytesIO((HEADER + "".join(rows)).encode())


def sampled_wave(by=None, *, seed: int = 5):
    """(frame, wave with a sample of 3 + 2 addresses, the sample, a draft wave without one)."""
    by = by or make_staff("sampler-helper", Role.COMMUNITY_ENGAGEMENT)
    make_districts()
    wave = make_wave(status=WaveStatus.OPEN, label="Sampled")
    frame, _ = import_address_frame(
        survey=wave.survey, name="City list", upload=address_csv(30, 10), by=by
    )
    sample = draw_sample(
        wave=wave,
        frame=frame,
        by=by,
        allocation="per_district",
        per_district={"D1": 3, "D2": 2},
        seed=seed,
    )
    unsampled = make_wave(wave.instrument, status=WaveStatus.DRAFT, label="Next", open_link=False)
    return frame, wave, sample, unsampled
