"""One rounding rule for every published figure, so a number reads the same on the public page,
in the CSV, JSON and Parquet files, in the API and on the staff pages.

The rule: round half away from zero (0.835 becomes 0.84, as taught at school and as spreadsheets
do), applied to the number's shortest decimal form, so a float stored as 0.8349999... because
0.835 has no exact binary form still rounds as the 0.835 everyone sees. Never truncate (Django's
`number_format` cuts extra decimals off: 0.838 would read 0.83).

Decimals, decided once per kind of figure:
- rate (stops or searches per 1,000 residents a year): 1
- ratio (a rate or odds as a multiple of another's): 2
- share (a part of 1, such as a hit rate, or a difference of two shares): 3, that is a
  percentage to one decimal
- count: 0
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format

DECIMALS = {"rate": 1, "ratio": 2, "share": 3, "count": 0}


def _decimal(value: float, kind: str) -> Decimal:
    return Decimal(repr(float(value))).quantize(
        Decimal(1).scaleb(-DECIMALS[kind]), rounding=ROUND_HALF_UP
    )


def rounded(value: float | None, kind: str) -> float | None:
    """`value` rounded by the rule, as published in the data files; None stays None."""
    return None if value is None else float(_decimal(value, kind))


def formatted(value: float, kind: str, *, percent: bool = False) -> str:
    """`value` rounded by the rule and written in the reader's language, with every decimal
    the kind has (0.80, not 0.8); a share as a percentage when `percent`."""
    number = _decimal(value, kind)
    places = DECIMALS[kind]
    if percent:
        number, places = number.scaleb(2), max(places - 2, 0)
    return number_format(number, places, use_l10n=True, force_grouping=True)
