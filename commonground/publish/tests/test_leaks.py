"""The leak test: no personal data reaches anything the public can fetch.

A small demo agency is built, then every free-text and personal field of every record (names,
contact details, narratives, addresses, notes, file names, usernames...) is overwritten with a
marker of its own, and a batch of stops with markers in its free-text columns is imported. A
release is built from that. Then every public page (crawled from the home pages and from the URL
configuration), every page of every API resource and every bulk file in every format is fetched:
no marker may appear in any of them.

Fields are marked unless they are listed below as public by design, so a field added later is
checked without anyone remembering to add it here.
"""

import contextlib
import io
import itertools
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import polars as pl
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.lib.fields import EncryptedJSONField
from commonground.publish import datasets
from commonground.publish.actions import build_release
from commonground.stops.tests.helpers import import_file, stop_row, write_csv

# Not marked `files`: its world is built once for the module, before the per-test S3 prefix that
# the S3 run gives each test; every other publish test runs against S3 there.
pytestmark = pytest.mark.django_db

MARKER = re.compile(r"lkq\d{6}qkl", re.IGNORECASE)
MARKED_APPS = [
    "accounts",
    "roster",
    "complaints",
    "investigations",
    "oversight",
    "evidence",
    "stops",
    "early_warning",
    "correspondence",
]
# Shown to the public on purpose: places, codes and the agency's own names; board meetings
# (the public notice gives where a meeting is held, how to attend and what it will cover; minutes
# name the members, who are public officials; titles are staff-only but not personal).
PUBLIC_BY_DESIGN = {
    "roster.Agency": {"name", "short_name", "jurisdiction", "time_zone"},
    "roster.District": {"code", "name"},
    "oversight.DisciplineLevel": {"code"},
    "oversight.Meeting": {"title", "place", "how_to_attend", "agenda_summary"},
    "accounts.User": {"first_name", "last_name", "password", "preferred_language"},
    "complaints.Report": {"language", "tracking_code_hash"},
}
# Not text anyone wrote: hashes, storage keys and file paths the records need to stay readable.
MACHINE_FIELDS = {
    "sha256",
    "tracking_code_hash",
    "draft_key",
    "data_name",
    "incoming_name",
    "report_name",
    "hash",
    "previous_hash",
}
PUBLIC_PREFIXES = (
    "/staff/",
    "/accounts/",
    "/admin/",
    "/en/staff/",
    "/es/staff/",
    "/en/accounts/",
    "/es/accounts/",
    "/en/admin/",
    "/es/admin/",
)


@contextlib.contextmanager
def undone():
    atomic = transaction.atomic()
    atomic._from_testcase = True  # the demo's imports open durable transactions inside it
    with atomic:
        yield
        transaction.set_rollback(True)


class Markers:
    def __init__(self):
        self.counter = itertools.count(1)
        self.planted: dict[str, str] = {}

    def new(self, where: str) -> str:
        marker = f"lkq{next(self.counter):06d}qkl"
        self.planted[marker] = where
        return marker


def markable(model, field) -> bool:
    label = f"{model._meta.app_label}.{model.__name__}"
    if field.name in PUBLIC_BY_DESIGN.get(label, set()) or field.name in MACHINE_FIELDS:
        return False
    if isinstance(field, EncryptedJSONField):
        return True
    if (
        isinstance(field, (models.SlugField, models.FileField))
        or field.choices
        or field.primary_key
    ):
        return False
    return isinstance(field, (models.CharField, models.TextField))


def plant(markers: Markers) -> int:
    """Overwrite every markable field of every record; returns how many values were planted."""
    planted = 0
    for app in MARKED_APPS:
        for model in apps.get_app_config(app).get_models():
            fields = [f for f in model._meta.concrete_fields if markable(model, f)]
            if not fields:
                continue
            for record in model._base_manager.all().iterator():
                where = f"{model.__name__}#{record.pk}"
                for f in fields:
                    value = getattr(record, f.attname)
                    if isinstance(f, EncryptedJSONField):
                        if value:
                            setattr(
                                record,
                                f.attname,
                                {k: markers.new(f"{where}.{f.name}.{k}") for k in value},
                            )
                    elif value or f.name in {"location", "summary", "narrative"}:
                        setattr(
                            record,
                            f.attname,
                            markers.new(f"{where}.{f.name}")[: f.max_length or None],
                        )
                    planted += 1
                model._base_manager.filter(pk=record.pk).update(
                    **{f.attname: getattr(record, f.attname) for f in fields}
                )
    return planted


@pytest.fixture(scope="module")
def leaky_world(django_db_setup, django_db_blocker, tmp_path_factory):
    files = tmp_path_factory.mktemp("leaks")
    with (
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=files / "media",
            STOPS_CACHE_DIR=files / "stops-cache",
            CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        ),
        django_db_blocker.unblock(),
        undone(),
    ):
        call_command("demo_data", reports=60, stops=3000, survey_letters=40, stdout=io.StringIO())
        markers = Markers()
        analyst = make_staff("leak-analyst", Role.ANALYST)
        rows = [
            stop_row(
                location=markers.new("stop location"),
                officer_id=markers.new("stop officer"),
                reason_for_stop=markers.new("stop reason"),
            )
            for _ in range(3)
        ]
        import_file(write_csv(files / "marked.csv", rows), analyst)
        planted = plant(markers)
        build_release(by=analyst)
        yield markers, planted, files


def public_patterns(resolver=None, prefix: str = ""):
    """Every URL of the URL configuration that takes no argument and is not for staff."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            yield from public_patterns(entry, route)
        elif isinstance(entry, URLPattern) and "<" not in route and "(" not in route:
            yield "/" + route


def fetch_all(client: Client, start: list[str]) -> dict[str, bytes]:
    seen, queue, bodies = set(), deque(start), {}
    while queue and len(seen) < 3000:
        path = queue.popleft()
        if path in seen or path.startswith(PUBLIC_PREFIXES) or "/staff/" in path:
            continue
        seen.add(path)
        response = client.get(path, HTTP_ACCEPT="text/html,application/json")
        if response.status_code in (301, 302) and "Location" in response:
            queue.append(urlsplit(response["Location"]).path)
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        bodies[path] = body
        kind = response.get("Content-Type", "")
        if "html" in kind:
            for href in re.findall(r'href="([^"#]+)"', body.decode()):
                target = urlsplit(urljoin(path, href.replace("&amp;", "&")))
                if not target.netloc:
                    queue.append(target.path + (f"?{target.query}" if target.query else ""))
        elif "json" in kind and path.startswith("/api/"):
            document = response.json()
            if isinstance(document, dict) and document.get("next"):
                queue.append(
                    urlsplit(document["next"]).path + "?" + urlsplit(document["next"]).query
                )
    return bodies


def test_no_personal_data_reaches_any_public_page_api_or_file(leaky_world, client, settings):
    markers, planted, files = leaky_world
    settings.MEDIA_ROOT, settings.STOPS_CACHE_DIR = files / "media", files / "stops-cache"

    start = ["/", "/en/", "/es/", *public_patterns()]
    for code, _name in settings.LANGUAGES:
        start += [f"/{code}/figures/", f"/{code}/data/", f"/{code}/policies/"]
    schema = client.get("/api/v1/openapi.json").json()
    start += [f"{path}?page_size=1000" for path in schema["paths"]]
    bodies = fetch_all(client, start)
    for slug in datasets.DATASETS:
        for fmt in ("csv", "json"):
            bodies[f"/data/{slug}.{fmt}"] = b"".join(
                client.get(f"/data/{slug}.{fmt}").streaming_content
            )
        parquet = b"".join(client.get(f"/data/{slug}.parquet").streaming_content)
        bodies[f"/data/{slug}.parquet (as text)"] = (
            pl.read_parquet(io.BytesIO(parquet)).write_csv().encode()
        )
        bodies[f"/data/{slug}.parquet (raw)"] = parquet

    leaks = {
        path: sorted(
            {markers.planted[m.lower()] for m in MARKER.findall(body.decode("utf-8", "replace"))}
        )
        for path, body in bodies.items()
        if MARKER.search(body.decode("utf-8", "replace"))
    }
    assert planted > 1000, "the demo's records were marked"
    assert len(bodies) > 100, sorted(bodies)
    for expected in [
        "/en/figures/complaints/",
        "/es/data/allegation-records/",
        "/api/v1/allegations/?page_size=1000",
        "/en/policies/go-302/",
        "/en/board/meetings/",
    ]:
        assert expected in bodies, expected
    # Every public surface is fetched: the board's minutes too.
    assert [p for p in bodies if re.fullmatch(r"/(en|es)/board/meetings/\d+/", p)]
    assert not leaks, leaks


# --- publish: community surveys ---------------------------------------------------------------
# Survey records are marked like every other app's; these fields are public by design: codes of
# languages, waves, choices, measures and domains (in the release and the public-use file), AAPOR
# disposition codes (rates are worked out from them), and the words of quotes staff redacted
# and approved. Residents' own answers (Answer.text), estimates' reasons, invitation codes,
# phone numbers, addresses, call notes and focus-group notes are all marked.
MARKED_APPS.append("surveys")
PUBLIC_BY_DESIGN.update(
    {
        "surveys.Instrument": {"default_language"},
        "surveys.Wave": {"label"},
        "surveys.Choice": {"value"},
        "surveys.Response": {"language"},
        "surveys.Invitation": {"language", "disposition"},
        "surveys.PhoneCase": {"language", "disposition"},
        "surveys.CallAttempt": {"disposition"},
        "surveys.Draft": {"language"},
        "surveys.Estimate": {"measure", "choice", "domain", "domain_value"},
        "surveys.Quote": {"text"},
    }
)
