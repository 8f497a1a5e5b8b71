"""The community surveys' public figures, suppressed together as one system of counts.

Two released sets come from published waves only (never a wave being prepared, open or closed):
the estimates of each wave's latest weighting run (datasets.SURVEY_ESTIMATES) and the response
counts and AAPOR rates (datasets.SURVEY_RESPONSES). Both publish counts of people: responses by
channel and by district, and each estimate's n (respondents who answered, in its domain).

Those counts are tied together: the n of the districts add up to the city's n, the responses of
the channels and of the districts add up to the wave's, and two counts about the same people are
often the same number (everyone answers a required question, so its n in a district is that
district's responses; a wave with no volunteers has the same n on both bases). A reader who
notices can use any of those ties to work a hidden count out. So every count is one cell of one
`disclosure.System`: the sums, plus an identity between any two counts of the same wave, domain
and value that are equal. `disclosure.hidden_cells` then hides counts from 1 to the threshold,
the partners that keep each sum and each equality from giving them back, and whatever its linear
programme finds still exposed. Where an n is hidden, so are the figures it can be worked back
from (effective n times design effect is n; a standard error nearly gives it), and an estimate
resting on no more people than the threshold is withheld outright: a share of three answers says
what those three people answered.
"""

from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise

from django.db.models import Count

from commonground.lib.rounding import rounded
from commonground.publish.disclosure import Key, Sum, System, hidden_cells, key
from commonground.roster.models import District
from commonground.surveys import selectors
from commonground.surveys.models import Channel, Method, Response
from commonground.surveys.statistics import aapor

UNKNOWN = "unknown"
SMALL_COUNT = "small_count"
TOO_LITTLE_DATA = "too_little_data"
RATES = ("rr1", "rr3", "coop1", "ref1", "con1")
MODES = {"address": aapor.Mode.MAIL, "phone": aapor.Mode.TELEPHONE}


@dataclass(frozen=True)
class Figures:
    estimates: list[dict]
    responses: list[dict]
    system: System
    hidden: frozenset[Key]


def _n_key(survey, wave, estimate) -> Key:
    return key(
        kind="n",
        survey=survey,
        wave=wave,
        basis=estimate.basis,
        measure=estimate.measure,
        domain=estimate.domain,
        value=estimate.domain_value or "",
    )


def _responses_key(survey, wave, **cell) -> Key:
    return key(kind="responses", survey=survey, wave=wave, **cell)


def _same_people(cell: Key) -> tuple:
    """Counts about the same people: the same wave, and the same domain and value (a response
    count by district is about the same people as an n of that district)."""
    values = dict(cell)
    if values["kind"] == "responses":
        if "channel" in values:
            return ()
        domain = ("district", values["district"]) if "district" in values else ("all", "")
    else:
        domain = (values["domain"], values["value"])
    return (values["survey"], values["wave"], *domain)


def build(threshold: int) -> Figures:
    counts: dict[Key, int] = {}
    sums: list[Sum] = []
    waves = list(selectors.published_waves())
    # Each code once: two agencies may share one, and responses are counted by code.
    codes = District.objects.order_by("code").values_list("code", flat=True).distinct()
    districts = [*codes, UNKNOWN]
    estimates_of = {}
    for wave in waves:
        survey, label = wave.survey.slug, wave.label
        responses = Response.objects.filter(wave=wave).order_by()
        by_channel = dict(responses.values_list("channel").annotate(n=Count("id")))
        by_district = defaultdict(int)
        for code, n in responses.values_list("district__code").annotate(n=Count("id")):
            by_district[code or UNKNOWN] += n
        total = _responses_key(survey, label)
        counts[total] = sum(by_channel.values())
        channel_cells = []
        for channel in Channel.values:
            cell = _responses_key(survey, label, channel=channel)
            counts[cell] = by_channel.get(channel, 0)
            channel_cells.append(cell)
        district_cells = []
        for code in districts:
            cell = _responses_key(survey, label, district=code)
            counts[cell] = by_district.get(code, 0)
            district_cells.append(cell)
        sums += [Sum(total, tuple(channel_cells)), Sum(total, tuple(district_cells))]

        estimates = list(selectors.published_estimates(wave))
        estimates_of[wave.pk] = estimates
        domains: dict[tuple, dict[str, Key]] = defaultdict(dict)
        for estimate in estimates:
            cell = _n_key(survey, label, estimate)
            counts[cell] = max(counts.get(cell, 0), estimate.n)
            if estimate.domain != "all":
                group = (estimate.basis, estimate.measure, estimate.domain)
                domains[group][estimate.domain_value] = cell
        for (basis, measure, _domain), cells in domains.items():
            whole = key(
                kind="n",
                survey=survey,
                wave=label,
                basis=basis,
                measure=measure,
                domain="all",
                value="",
            )
            parts = tuple(sorted(cells.values()))
            # Only a sum that holds is published: people who left the domain's question
            # unanswered make the parts fall short of the whole, which tells a reader nothing
            # exact.
            if whole in counts and sum(counts[p] for p in parts) == counts[whole]:
                sums.append(Sum(whole, parts))
    # Equal counts about the same people: a reader may take them to be the same number.
    alike: dict[tuple, dict[int, list[Key]]] = defaultdict(lambda: defaultdict(list))
    for cell, n in counts.items():
        group = _same_people(cell)
        if group and n > 0:
            alike[group][n].append(cell)
    for by_count in alike.values():
        for cells in by_count.values():
            cells.sort()
            sums += [Sum(a, (b,)) for a, b in pairwise(cells)]
    system = System(counts=counts, sums=tuple(sums))
    hidden = hidden_cells(system, threshold)

    estimate_rows, response_rows = [], []
    for wave in waves:
        survey, label = wave.survey.slug, wave.label
        for estimate in estimates_of[wave.pk]:
            estimate_rows.append(_estimate_row(survey, label, estimate, hidden, threshold))
        for cell in sorted(c for c in counts if dict(c)["kind"] == "responses"):
            values = dict(cell)
            if values["survey"] != survey or values["wave"] != label:
                continue
            shown = cell not in hidden
            response_rows.append(
                {
                    "survey": survey,
                    "wave": label,
                    "measure": "responses",
                    "channel": values.get("channel"),
                    "district": values.get("district"),
                    "sample": None,
                    "value": float(counts[cell]) if shown else None,
                    "withheld": None if shown else SMALL_COUNT,
                }
            )
        for sample, dispositions in sorted(selectors.final_dispositions(wave).items()):
            response_rows += _rate_rows(survey, label, sample, dispositions, threshold)
    return Figures(estimate_rows, response_rows, system, hidden)


def _estimate_row(survey, wave, estimate, hidden, threshold) -> dict:
    n_hidden = _n_key(survey, wave, estimate) in hidden
    withheld = None
    value, low, high, se = estimate.value, estimate.low, estimate.high, estimate.standard_error
    method = estimate.method
    if estimate.method == Method.WITHHELD or value is None:
        withheld, method = TOO_LITTLE_DATA, Method.WITHHELD
    elif estimate.n <= threshold and estimate.method == Method.DIRECT:
        withheld, method = SMALL_COUNT, Method.WITHHELD
    if withheld:
        value = low = high = se = None
    if n_hidden:
        se = None
    kind = "share" if estimate.choice else "rate"
    return {
        "survey": survey,
        "wave": wave,
        "basis": estimate.basis,
        "measure": estimate.measure,
        "choice": estimate.choice or None,
        "domain": estimate.domain,
        "domain_value": estimate.domain_value or None,
        "n": None if n_hidden else estimate.n,
        "effective_n": None if n_hidden else rounded(estimate.effective_n, "rate"),
        "design_effect": (
            None
            if n_hidden or estimate.design_effect is None
            else rounded(estimate.design_effect, "ratio")
        ),
        "method": method,
        "value": rounded(value, kind),
        "standard_error": rounded(se, kind),
        "low": rounded(low, kind),
        "high": rounded(high, kind),
        "withheld": withheld,
    }


def _rate_rows(survey, wave, sample, dispositions, threshold) -> list[dict]:
    """AAPOR rates of one sample. Rates are ratios, not counts; but one resting on a handful of
    completes or cases describes a handful of households, so it is withheld."""
    result = aapor.rates(dispositions, mode=MODES[sample])
    completes = result.counts[aapor.Group.COMPLETE]
    cases = sum(dispositions.values())
    small = completes <= threshold or cases <= threshold
    rows = []
    for name in RATES:
        value = getattr(result, name)
        rows.append(
            {
                "survey": survey,
                "wave": wave,
                "measure": name,
                "channel": None,
                "district": None,
                "sample": sample,
                "value": None if small else rounded(value, "share"),
                "withheld": SMALL_COUNT if small else (TOO_LITTLE_DATA if value is None else None),
            }
        )
    return rows
