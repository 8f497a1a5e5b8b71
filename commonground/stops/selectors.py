"""Reads: batches, the loaded stop records (as one polars LazyFrame) and use-of-force incidents."""

import datetime
import hashlib
from dataclasses import dataclass

import polars as pl
from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from commonground.accounts.rules import require
from commonground.roster.models import Agency, District
from commonground.stops import analysis, storage
from commonground.stops.models import (
    Batch,
    BatchKind,
    BatchStatus,
    ForceUsed,
    UseOfForceIncident,
)
from commonground.stops.schema import STORED_STOP_SCHEMA


def batches_for_user(user, kind: str | None = None) -> QuerySet[Batch]:
    require(user, "stops.view_records")
    batches = Batch.objects.select_related("created_by")
    return batches.filter(kind=kind) if kind else batches


def get_batch_for_user(user, pk: int) -> Batch:
    require(user, "stops.view_records")
    return get_object_or_404(Batch.objects.select_related("created_by"), pk=pk)


def loaded_stop_batches() -> QuerySet[Batch]:
    return Batch.objects.filter(kind=BatchKind.STOPS, status=BatchStatus.LOADED).order_by("pk")


@dataclass(frozen=True)
class StopFilter:
    """What an analyst narrowed the stops to. Empty fields mean no narrowing."""

    start: datetime.date | None = None
    end: datetime.date | None = None
    district: str = ""
    stop_type: str = ""


def scan_stops(stop_filter: StopFilter | None = None) -> pl.LazyFrame:
    """Every loaded stop record, narrowed by `stop_filter`, as a lazy frame of STORED_STOP_SCHEMA."""
    paths = [str(storage.local_path(b.data_name)) for b in loaded_stop_batches()]
    if not paths:
        return pl.LazyFrame(schema=STORED_STOP_SCHEMA)
    stops = pl.scan_parquet(paths)
    f = stop_filter or StopFilter()
    if f.start:
        stops = stops.filter(pl.col("date") >= f.start)
    if f.end:
        stops = stops.filter(pl.col("date") <= f.end)
    if f.district:
        stops = stops.filter(pl.col("district") == f.district)
    if f.stop_type:
        stops = stops.filter(pl.col("type") == f.stop_type)
    return stops


@dataclass(frozen=True)
class OfficerStops:
    stops: int
    searches: int
    hits: int  # searches that found contraband
    fruitless: int  # searches recorded as finding nothing (an unknown result is neither)


def stop_counts_by_officer(start: datetime.date, end: datetime.date) -> dict[str, OfficerStops]:
    """Stops, searches, searches that found contraband and searches that found nothing per
    officer id (the roster's badge number), for stops dated from `start` to `end` inclusive."""
    counts = (
        scan_stops(StopFilter(start=start, end=end))
        .filter(pl.col("officer_id").is_not_null())
        .group_by("officer_id")
        .agg(
            stops=pl.len(),
            searches=pl.col("search_conducted").fill_null(False).sum(),
            hits=(
                pl.col("search_conducted").fill_null(False)
                & pl.col("contraband_found").fill_null(False)
            ).sum(),
            fruitless=(
                pl.col("search_conducted").fill_null(False)
                & pl.col("contraband_found").not_().fill_null(False)
            ).sum(),
        )
        .collect()
    )
    return {
        row["officer_id"]: OfficerStops(
            row["stops"], row["searches"], row["hits"], row["fruitless"]
        )
        for row in counts.iter_rows(named=True)
    }


def incidents_for_user(user) -> QuerySet[UseOfForceIncident]:
    require(user, "stops.view_records")
    return UseOfForceIncident.objects.select_related("district", "complaint").prefetch_related(
        "force_used__officer"
    )


def get_incident_for_user(user, pk: int) -> UseOfForceIncident:
    return get_object_or_404(incidents_for_user(user), pk=pk)


@dataclass(frozen=True)
class LoadedStops:
    batches: int
    stops: int
    first_date: datetime.date | None
    last_date: datetime.date | None
    searches: int
    by_type: dict[str, int]


def loaded_stops_summary() -> LoadedStops:
    """What the analyses have to work with."""
    batches = loaded_stop_batches().count()
    totals = (
        scan_stops()
        .group_by("type")
        .agg(
            stops=pl.len(),
            searches=pl.col("search_conducted").sum(),
            first=pl.col("date").min(),
            last=pl.col("date").max(),
        )
        .collect()
    )
    return LoadedStops(
        batches=batches,
        stops=int(totals.get_column("stops").sum()),
        first_date=totals.get_column("first").min(),
        last_date=totals.get_column("last").max(),
        searches=int(totals.get_column("searches").sum()),
        by_type=dict(totals.select(pl.col("type").cast(pl.String), "stops").iter_rows()),
    )


def district_infos() -> list[analysis.DistrictInfo]:
    return [
        analysis.DistrictInfo(
            code=d.code,
            name=d.name,
            population_by_group=dict(d.population_by_group),
            latitude=float(d.latitude) if d.latitude is not None else None,
            longitude=float(d.longitude) if d.longitude is not None else None,
        )
        for d in District.objects.order_by("code")
    ]


def _period_years(stop_filter: StopFilter, loaded: LoadedStops) -> float:
    start = stop_filter.start or loaded.first_date
    end = stop_filter.end or loaded.last_date
    if start is None or end is None:
        return 0.0
    start, end = max(start, loaded.first_date), min(end, loaded.last_date)
    return max((end - start).days + 1, 1) / 365.25


ANALYSES = {"benchmark", "veil_of_darkness", "outcomes"}
CACHE_SECONDS = 24 * 3600
# Part of every cached result's key: raise it whenever the results' shape or meaning changes,
# so a new release never reads a result an older one cached (2: standardised ratios, interval
# kinds, left-out counts).
RESULTS_VERSION = 2


def analyse(name: str, stop_filter: StopFilter, *, minority: str = "black"):
    """The result of one analysis over the loaded stops, or raises analysis.NotEnoughData.

    Results are cached: they change only when a batch is loaded or withdrawn, or a district's
    population or place changes, and each of those is in the key."""
    if name not in ANALYSES:
        raise ValueError(name)
    districts = district_infos()
    batches = list(loaded_stop_batches().values_list("pk", flat=True))
    agency = Agency.objects.order_by("pk").first()
    time_zone = agency.zone if agency else settings.TIME_ZONE
    key = (
        f"stops:{RESULTS_VERSION}:"
        + hashlib.sha256(
            repr((name, batches, stop_filter, minority, districts, time_zone)).encode()
        ).hexdigest()
    )
    cached = cache.get(key)
    if cached is not None:
        return cached
    if not batches:
        raise analysis.NotEnoughData(
            _("No stop records are loaded yet, so there is nothing to analyse.")
        )
    stops = scan_stops(stop_filter)
    if stop_filter.district:
        districts = [d for d in districts if d.code == stop_filter.district]
    if name == "benchmark":
        years = _period_years(stop_filter, loaded_stops_summary())
        if years <= 0:
            raise analysis.NotEnoughData(_("No stops fall in the period chosen."))
        result = analysis.benchmark_rates(stops, districts, years=years)
    elif name == "veil_of_darkness":
        result = analysis.veil_of_darkness(stops, districts, time_zone=time_zone, minority=minority)
    else:
        result = analysis.outcome_test(stops, districts)
    cache.set(key, result, CACHE_SECONDS)
    return result


# The records the public figures are drawn from (commonground.publish reads only these).
def published_incidents() -> QuerySet[UseOfForceIncident]:
    return UseOfForceIncident.objects.order_by()


def published_force_used() -> QuerySet[ForceUsed]:
    return ForceUsed.objects.order_by()
