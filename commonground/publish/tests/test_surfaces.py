"""Every public route is a declared surface, and every family a surface tells about is one the
release suppresses and audits."""

import polars as pl

from commonground.accounts.tests.test_routes import PUBLIC_PAGES, all_routes
from commonground.publish import datasets
from commonground.publish.records import COLUMN_FOR
from commonground.publish.surfaces import SURFACES, routes


def test_every_public_route_is_a_declared_surface():
    api = {
        name for name, _route, _module in all_routes() if (name or "").startswith("publish-api-")
    }
    declared = routes()

    undeclared = sorted(
        name
        for name in PUBLIC_PAGES | api
        if name not in declared
        and not (name.startswith("publish-api-") and "publish-api-*" in declared)
    )
    assert undeclared == []


def test_the_families_a_surface_tells_about_are_those_the_release_audits():
    families = {f.slug for f in datasets.FAMILIES}
    records = next(s for s in SURFACES if s.name == "allegation records")

    for surface in SURFACES:
        assert set(surface.families) <= families, surface.name
    # The record set's rows are audited against exactly the families it says it overlaps.
    assert set(records.families) == set(COLUMN_FOR)
    columns = [h.column for h in datasets.ALLEGATION_RECORDS.quasi_identifiers(False)]
    empty = pl.DataFrame(schema={c: pl.String for c in columns} | {datasets.PERSON: pl.Int64})
    assert set(datasets.ALLEGATION_RECORDS.groupings(empty)) == set(records.families)
