"""File sizes as people read them. One convention everywhere: decimal units (1 MB = 1,000,000
bytes), as phones and computers show file sizes, as web/static/web/upload.js counts, and as the
limits in settings are written (ATTACHMENT_MAX_BYTES = 25_000_000 reads "25 MB")."""

from django.utils.formats import number_format

UNITS = ((1_000_000_000, "GB"), (1_000_000, "MB"), (1_000, "kB"))


def readable_size(size: int) -> str:
    """25 MB, 1.5 GB (1,5 GB in Spanish), 640 kB: one decimal at most, none when it is 0."""
    for factor, unit in UNITS:
        if size >= factor or factor == UNITS[-1][0]:
            value = round(size / factor, 1)
            if value < 1 and factor == UNITS[-1][0]:
                value = 1 if size else 0
            places = 0 if value == int(value) else 1
            return f"{number_format(value, decimal_pos=places)} {unit}"
    raise AssertionError  # the last unit always answers
