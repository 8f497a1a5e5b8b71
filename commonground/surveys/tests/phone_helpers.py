"""A wave with a phone sample, for the phone and paper tests."""

from commonground.surveys.actions import import_phone_sample
from commonground.surveys.models import PhoneCase
from commonground.surveys.tests.factories import make_districts, make_wave

# Valid numbers of the 555-01xx range set aside for fiction, in the ways people write them.
NUMBERS = ["(312) 555-0101", "312.555.0102", "+1 312 555 0103", "3125550104", "1-312-555-0105"]
E164 = ["+13125550101", "+13125550102", "+13125550103", "+13125550104", "+13125550105"]


def sample_csv(rows) -> bytes:
    lines = ["phone,district,language", *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


def phone_wave(by, *, numbers=NUMBERS, language="es", **wave_options):
    """An open wave with the two test districts and one case per number (alternately in D1
    and D2), imported by `by` (who needs surveys.sample). Returns (wave, cases in file order)."""
    wave = make_wave(**wave_options)
    make_districts()
    rows = [(n, "D1" if i % 2 == 0 else "D2", language) for i, n in enumerate(numbers)]
    import_phone_sample(wave=wave, content=sample_csv(rows), by=by)
    return wave, list(PhoneCase.objects.filter(wave=wave).order_by("pk"))
