from functools import lru_cache

import polars as pl
from django.core.cache import cache
from django.utils.translation import get_language

from commonground.publish import datasets as ds
from commonground.publish.disclosure import DEFAULT_THRESHOLD
from commonground.publish.models import Release, ReleaseFile, ReleaseStatus
from commonground.roster.models import Agency
from commonground.stops.storage import local_path

# A release is rebuilt nightly; a drawn dashboard outlives it only until the next one.
DASHBOARD_CACHE_SECONDS = 26 * 3600


def disclosure_policy() -> tuple[int, bool]:
    """(suppression threshold, whether officers are named): the strictest agency wins."""
    agencies = list(Agency.objects.values_list("suppression_threshold", "publish_officer_data"))
    if not agencies:
        return DEFAULT_THRESHOLD, False
    return max(t for t, _o in agencies), all(o for _t, o in agencies)


def latest_release() -> Release | None:
    return Release.objects.filter(status=ReleaseStatus.PUBLISHED).order_by("-finished_at").first()


def release_file(slug: str, release: Release | None = None) -> ReleaseFile | None:
    release = release or latest_release()
    if release is None:
        return None
    return release.files.filter(dataset=slug).first()


def read_table(file: ReleaseFile) -> pl.DataFrame:
    """A published count table (small); files never change, so each process keeps a few."""
    return _read(file.name, file.sha256)


@lru_cache(maxsize=64)
def _read(name: str, sha256: str) -> pl.DataFrame:
    return pl.read_parquet(local_path(name))


def scan_records(file: ReleaseFile) -> pl.LazyFrame:
    """A published record set (large), read only as far as a query needs."""
    return pl.scan_parquet(local_path(file.name))


def dictionary(dataset: ds.CountTable | ds.RecordSet, file: ReleaseFile) -> list[dict]:
    """The data dictionary of one released dataset: field, type, meaning, allowed values."""
    if isinstance(dataset, ds.CountTable):
        frame = read_table(file)
        domains = {}
        for d in dataset.dimensions:
            labels = ds.value_labels(d)
            values = frame[d].unique(maintain_order=True).to_list()
            domains[d] = [(v, labels[v]) for v in values if v != ds.ALL]
        fields = dataset.fields(domains)
    elif isinstance(dataset, ds.EstimateSet):
        fields = dataset.fields()
    else:
        fields = dataset.fields(file.release.officer_data)
    return [
        {
            "name": f.name,
            "type": f.type,
            "meaning": str(f.meaning),
            "nullable": f.nullable,
            "values": [{"value": v, "label": str(label)} for v, label in f.values],
        }
        for f in fields
    ]


def dashboard_panels(dashboard, release: Release | None) -> list:
    """Every panel of a dashboard drawn from `release`, in the current language. Kept in the
    cache for the life of the release: a page view then reads no records at all."""
    from commonground.publish.dashboards import draw

    if release is None:
        return []
    cache_key = f"publish:dashboard:{release.pk}:{release.finished_at.timestamp()}:{dashboard.slug}:{get_language()}"
    drawn = cache.get(cache_key)
    if drawn is None:
        files = {f.dataset: f for f in release.files.all()}
        drawn = [
            draw(
                panel,
                read_table(files[panel.dataset]),
                lambda slug: read_table(files[slug]) if slug in files else None,
            )
            for panel in dashboard.panels
            if panel.dataset in files
        ]
        cache.set(cache_key, drawn, DASHBOARD_CACHE_SECONDS)
    return drawn
