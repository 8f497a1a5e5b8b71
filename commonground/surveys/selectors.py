"""Every non-trivial read of the surveys app. Each area keeps its reads in a block of its own."""

# --- sample: address frames, samples, invitations, letters ---------------------------------

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404

from commonground.accounts.rules import require
from commonground.roster.models import District
from commonground.surveys.models import AddressFrame, Sample, SampleKind, Survey, Wave
from commonground.surveys.statistics import aapor

SAMPLE_PERMISSION = "surveys.sample"


def surveys_for_sampling(user):
    """Every survey with its address lists (and their sizes) and its waves (and their address
    samples), for the sampling overview."""
    require(user, SAMPLE_PERMISSION)
    frames = AddressFrame.objects.annotate(size=Count("addresses")).order_by("-imported_at")
    samples = Sample.objects.filter(kind=SampleKind.ADDRESS).annotate(drawn=Count("invitations"))
    waves = Wave.objects.prefetch_related(Prefetch("samples", queryset=samples))
    return Survey.objects.prefetch_related(
        Prefetch("frames", queryset=frames), Prefetch("waves", queryset=waves)
    )


def get_frame_for_user(user, pk: int) -> AddressFrame:
    require(user, SAMPLE_PERMISSION)
    return get_object_or_404(AddressFrame.objects.select_related("survey"), pk=pk)


def get_wave_for_user(user, pk: int) -> Wave:
    require(user, SAMPLE_PERMISSION)
    return get_object_or_404(Wave.objects.select_related("survey"), pk=pk)


def get_sample_for_user(user, pk: int) -> Sample:
    require(user, SAMPLE_PERMISSION)
    return get_object_or_404(
        Sample.objects.select_related("wave__survey", "frame"), pk=pk, kind=SampleKind.ADDRESS
    )


def frame_districts(frame: AddressFrame) -> list[dict]:
    """Each district of the frame with its name and number of addresses, in code order."""
    rows = (
        frame.addresses.values("district__code", "district__name")
        .annotate(n=Count("pk"))
        .order_by("district__code")
    )
    return [
        {"code": r["district__code"], "name": r["district__name"], "size": r["n"]} for r in rows
    ]


@dataclass(frozen=True)
class StratumRow:
    code: str
    name: str
    frame_size: int
    drawn: int
    design_weight: float | None
    printed: int
    used: int


def sample_strata(sample: Sample) -> list[StratumRow]:
    """Per district: the frame size and sample size recorded at the draw, the design weight
    they give, and how many letters were printed and invitations used (counts only: which
    invitation let which response in is nowhere to be known)."""
    counts = {
        row["district__code"]: row
        for row in sample.invitations.values("district__code").annotate(
            printed=Count("pk", filter=Q(letter_printed=True)),
            used=Count("pk", filter=Q(used=True)),
        )
    }
    names = dict(District.objects.filter(code__in=sample.strata).values_list("code", "name"))
    rows = []
    for code in sorted(sample.strata):
        frame_size, drawn = sample.strata[code]
        found = counts.get(code, {})
        rows.append(
            StratumRow(
                code=code,
                name=names.get(code, ""),
                frame_size=frame_size,
                drawn=drawn,
                design_weight=frame_size / drawn if drawn else None,
                printed=found.get("printed", 0),
                used=found.get("used", 0),
            )
        )
    return rows


# A letter never printed was never mailed; one printed with no response and no disposition
# recorded is, at the end, "nothing ever returned" (AAPOR's mail codes).
NOT_MAILED = "3.11"
NOTHING_RETURNED = "3.19"
COMPLETE = "1.1"


def sample_dispositions(sample: Sample) -> dict[str, int]:
    """Final AAPOR disposition codes of the sample's invitations, counted."""
    counts: dict[str, int] = {}
    rows = sample.invitations.values("used", "disposition", "letter_printed").annotate(
        n=Count("pk")
    )
    for row in rows:
        if row["used"]:
            code = COMPLETE
        elif row["disposition"]:
            code = row["disposition"]
        else:
            code = NOTHING_RETURNED if row["letter_printed"] else NOT_MAILED
        counts[code] = counts.get(code, 0) + row["n"]
    return counts


def sample_rates(sample: Sample) -> aapor.Rates | None:
    """AAPOR outcome rates of the sample so far, or None before any letter went out."""
    counts = sample_dispositions(sample)
    if not sum(n for code, n in counts.items() if code != NOT_MAILED):
        return None
    return aapor.rates(counts, mode=aapor.Mode.MAIL)
