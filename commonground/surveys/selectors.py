"""Every non-trivial read of the surveys app. Each area keeps its selectors in a block of its own."""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from commonground.accounts.rules import require
from commonground.surveys.models import (
    TEXT_KINDS,
    Answer,
    Estimate,
    Invitation,
    PhoneCase,
    Quote,
    Survey,
    Wave,
    WaveStatus,
    WeightingRun,
)

# --- publish: what the public may see of a survey, and the text answers staff redact ------------


def published_waves() -> QuerySet[Wave]:
    """The waves whose results are public: published ones, and nothing else, ever."""
    return (
        Wave.objects.filter(status=WaveStatus.PUBLISHED)
        .select_related("survey", "instrument")
        .order_by("survey__slug", "opens_on", "pk")
    )


def published_surveys() -> QuerySet[Survey]:
    return Survey.objects.filter(
        Exists(Wave.objects.filter(survey=OuterRef("pk"), status=WaveStatus.PUBLISHED))
    ).order_by("slug")


def get_published_survey(slug: str) -> Survey:
    survey = published_surveys().filter(slug=slug).first()
    if survey is None:
        raise Http404("No published survey has this name.")
    return survey


def latest_run(wave: Wave) -> WeightingRun | None:
    return wave.weighting_runs.order_by("-ran_at", "-pk").first()


def published_estimates(wave: Wave) -> QuerySet[Estimate]:
    """The estimates of a published wave's latest weighting run; none for any other wave."""
    if wave.status != WaveStatus.PUBLISHED:
        return Estimate.objects.none()
    run = latest_run(wave)
    if run is None:
        return Estimate.objects.none()
    return Estimate.objects.filter(wave=wave, run=run)


def final_dispositions(wave: Wave) -> dict[str, dict[str, int]]:
    """Counts of cases by AAPOR final disposition code for each probability sample of a wave:
    "address" (invitations: used is a complete, 1.1; a recorded disposition; otherwise nothing
    ever returned, 3.19) and "phone" (cases: used is 1.1; a recorded final disposition;
    otherwise other unknown eligibility, 3.90)."""
    found: dict[str, dict[str, int]] = {}
    invitations = Invitation.objects.filter(wave=wave, sample__isnull=False)
    for used, disposition in invitations.values_list("used", "disposition").iterator():
        code = "1.1" if used else (disposition or "3.19")
        counts = found.setdefault("address", {})
        counts[code] = counts.get(code, 0) + 1
    for used, disposition in PhoneCase.objects.filter(wave=wave).values_list("used", "disposition"):
        code = "1.1" if used else (disposition or "3.90")
        counts = found.setdefault("phone", {})
        counts[code] = counts.get(code, 0) + 1
    return found


def text_answers(wave: Wave) -> QuerySet[Answer]:
    """A wave's free-text answers, for staff who redact quotes: never public."""
    return (
        Answer.objects.filter(response__wave=wave, question__kind__in=TEXT_KINDS)
        .exclude(text="")
        .select_related("question")
        .order_by("question__position", "id")
    )


def get_wave_for_redaction(user, pk: int) -> Wave:
    require(user, "surveys.redact")
    wave = Wave.objects.select_related("survey", "instrument").filter(pk=pk).first()
    if wave is None:
        raise Http404("There is no such wave.")
    return wave


def get_quote_for_redaction(user, pk: int) -> Quote:
    require(user, "surveys.redact")
    quote = Quote.objects.select_related("wave", "question").filter(pk=pk).first()
    if quote is None:
        raise Http404("There is no such quote.")
    return quote


def waves_with_text(user) -> QuerySet[Wave]:
    require(user, "surveys.redact")
    return (
        Wave.objects.exclude(status=WaveStatus.DRAFT)
        .select_related("survey")
        .order_by("-opens_on", "pk")
    )


def approved_quotes(wave: Wave) -> QuerySet[Quote]:
    """Quotes the public may read: approved ones of a published wave."""
    if wave.status != WaveStatus.PUBLISHED:
        return Quote.objects.none()
    return Quote.objects.filter(wave=wave, approved=True).select_related("question")
