"""The open-data API under /api/v1/: read-only, public, JSON, described by OpenAPI.

Everything comes from the latest release: the count tables (the same numbers as the dashboards
and the bulk files) and the allegation records (the same rows as their bulk file). Any parameter a
resource does not know, a malformed value or a page size over the limit is a 400 that says what
was wrong.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass

import polars as pl
from django import forms
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions, generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from commonground.complaints.models import AllegationCategory, Channel, Finding
from commonground.publish import datasets as ds
from commonground.publish.anonymity import WITHHELD
from commonground.publish.selectors import (
    dictionary,
    latest_release,
    read_table,
    release_file,
    scan_records,
)
from commonground.publish.throttling import AddressRateThrottle, rate_limit_headers

MAX_PAGE_SIZE = 1000
BAD_REQUEST = OpenApiResponse(
    description="Something in the query was wrong: the body names each parameter and why.",
    response={
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
)
PAST_THE_END = OpenApiResponse(
    description="The page asked for is past the last page.",
    response={"type": "object", "properties": {"detail": {"type": "string"}}},
)
THROTTLED = OpenApiResponse(
    description="Too many requests from this address; Retry-After says when to try again.",
    response={"type": "object", "properties": {"detail": {"type": "string"}}},
)
NOT_YET = OpenApiResponse(
    description="No release of the public data has been built yet.",
    response={"type": "object", "properties": {"detail": {"type": "string"}}},
)
RELEASE_MAX_AGE = 300  # the answers change only with a release


class NotYetPublished(exceptions.APIException):
    status_code = 503
    default_detail = "No release of the public data has been built yet; try again later."
    default_code = "not_yet_published"


class Pages(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise exceptions.ValidationError(
                {"page_size": [f"Must be a whole number from 1 to {MAX_PAGE_SIZE}."]}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            limits = {"page": {"minimum": 1}, "page_size": {"minimum": 1, "maximum": MAX_PAGE_SIZE}}
            parameter["schema"].update(limits.get(parameter["name"], {}))
        return parameters

    def paginate_queryset(self, queryset, request, view=None):
        page = request.query_params.get(self.page_query_param)
        if page is not None and not (page.isdigit() and int(page) >= 1):
            raise exceptions.ValidationError({"page": ["Must be a whole number from 1."]})
        return super().paginate_queryset(queryset, request, view)


class Public:
    """What every resource of the API does: refuse unknown, repeated or empty parameters, let
    caches keep an answer a while, and tell the client where it stands against the rate limit."""

    max_age = RELEASE_MAX_AGE

    def known_parameters(self) -> set[str]:
        return set()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        unknown = sorted(set(request.query_params) - self.known_parameters())
        if unknown:
            raise exceptions.ValidationError(
                {
                    "detail": [
                        f"Unknown parameter {name!r}. This resource accepts: "
                        f"{', '.join(sorted(self.known_parameters()))}."
                        for name in unknown
                    ]
                }
            )
        # A parameter given twice, or given empty, is refused rather than read one way or
        # another: `?district=A&district=B` must not silently mean B, nor `?received_to=` "any".
        problems = {}
        for name, values in request.query_params.lists():
            if len(values) > 1:
                problems[name] = ["Given more than once; give each parameter at most once."]
            elif values[0] == "":
                problems[name] = ["Given empty; leave the parameter out instead."]
        if problems:
            raise exceptions.ValidationError(problems)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=self.max_age)
            patch_vary_headers(response, ["Accept-Language"])
        rate_limit_headers(request, response)
        return response


class PublicView(Public, generics.ListAPIView):
    pagination_class = Pages

    def known_parameters(self) -> set[str]:
        return {"page", "page_size"}


class ReleasedView(PublicView):
    """Reads the latest release; answers 304 when the client already has this release's page."""

    def release_file(self, slug: str):
        file = release_file(slug)
        if file is None:
            raise NotYetPublished()
        return file

    def not_modified(self, request, version: str, built_at: datetime.datetime):
        """A 304 when the client's copy is of this version and this query; else None."""
        # The catalogue's labels are in the request's language (Vary: Accept-Language).
        identity = f"{version}?{request.get_full_path()}#{get_language()}"
        tag = hashlib.sha256(identity.encode()).hexdigest()
        self.etag, self.last_modified = f'"{tag[:32]}"', built_at
        return get_conditional_response(
            request, etag=self.etag, last_modified=int(built_at.timestamp())
        )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(self, "etag", None) and response.status_code in (200, 304):
            response["ETag"] = self.etag
            response["Last-Modified"] = http_date(self.last_modified.timestamp())
        return response


_TYPES = {
    ds.FieldType.INTEGER: serializers.IntegerField,
    ds.FieldType.BOOLEAN: serializers.BooleanField,
    ds.FieldType.NUMBER: serializers.FloatField,
}


def row_serializer(name: str, fields: list[ds.Field], optional=()) -> type[serializers.Serializer]:
    """A serializer, for the schema, of rows with the declared fields."""
    declared = {
        f.name: _TYPES.get(f.type, serializers.CharField)(
            allow_null=f.nullable, required=f not in optional, help_text=str(f.meaning)
        )
        for f in fields
    }
    return type(name, (serializers.Serializer,), declared)


# --- The catalogue ------------------------------------------------------------------------------


class FieldValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class FieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(
        choices=ds.FieldType.ALL,
        help_text="month is YYYY-MM; year is YYYY",
    )
    meaning = serializers.CharField()
    nullable = serializers.BooleanField()
    values = FieldValueSerializer(many=True, help_text="The allowed values; empty means any.")


class DownloadsSerializer(serializers.Serializer):
    csv = serializers.URLField()
    json = serializers.URLField()
    parquet = serializers.URLField()


class DatasetSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    kind = serializers.ChoiceField(choices=sorted({d.kind for d in ds.DATASETS.values()}))
    title = serializers.CharField()
    description = serializers.CharField()
    grain = serializers.CharField()
    disclosure = serializers.CharField(help_text="How the people in the data are protected.")
    built_at = serializers.DateTimeField()
    rows = serializers.IntegerField()
    api = serializers.URLField()
    downloads = DownloadsSerializer()
    fields = FieldSerializer(many=True)


def describe(request, dataset, file) -> dict:
    api = "publish-api-records" if dataset.kind == "records" else f"publish-api-{dataset.slug}"
    return {
        "slug": dataset.slug,
        "kind": dataset.kind,
        "title": str(dataset.title),
        "description": str(dataset.description),
        "grain": str(dataset.grain),
        "disclosure": str(dataset.disclosure),
        "built_at": file.release.finished_at,
        "rows": file.rows,
        "api": request.build_absolute_uri(reverse(api)),
        "downloads": {
            fmt: request.build_absolute_uri(
                reverse("publish-download", kwargs={"slug": dataset.slug, "fmt": fmt})
            )
            for fmt in ("csv", "json", "parquet")
        },
        "fields": dictionary(dataset, file),
    }


class DatasetList(ReleasedView):
    serializer_class = DatasetSerializer

    @extend_schema(
        summary="Every public dataset, with its data dictionary",
        responses={
            200: DatasetSerializer(many=True),
            400: BAD_REQUEST,
            404: PAST_THE_END,
            429: THROTTLED,
            503: NOT_YET,
        },
    )
    def get(self, request, *args, **kwargs):
        release = latest_release()
        if release is None:
            raise NotYetPublished()
        files = {f.dataset: f for f in release.files.all()}
        version = f"release-{release.pk}-{release.finished_at.isoformat()}"
        if response := self.not_modified(request, version, release.finished_at):
            return response
        described = [
            describe(request, d, files[slug]) for slug, d in ds.DATASETS.items() if slug in files
        ]
        page = self.paginate_queryset(described)
        return self.get_paginated_response(page)


# --- Count tables: one resource each, filtered by its own dimensions --------------------------


@dataclass(frozen=True)
class Filter:
    """One query parameter of a released table: a value of the given form, or one of a list."""

    name: str
    meaning: str
    pattern: str = ""
    values: tuple[str, ...] = ()
    # Whether a well-formed value the table lacks is refused (a district that does not exist)
    # rather than answered with no rows (a month before the first record).
    closed: bool = True

    def schema(self) -> dict:
        if self.pattern:
            return {"type": "string", "pattern": self.pattern}
        return {"type": "string", "enum": list(self.values)}

    def check(self, value: str, present: list[str]) -> None:
        """Refuse a malformed value, and a value the released table does not have (an unknown
        district is a mistake to point out, not an empty answer). `present`: the values the
        table has, for dimensions whose values come from the records."""
        if self.pattern and not re.match(self.pattern, value):
            raise exceptions.ValidationError(
                {self.name: [f"{value!r} is not a valid {self.name}."]}
            )
        allowed = present if self.pattern else self.values
        if self.closed and value not in allowed:
            raise exceptions.ValidationError(
                {self.name: [f"Unknown value {value!r}. Allowed: {', '.join(allowed)}."]}
            )


def table_filters(dataset: ds.CountTable | ds.EstimateSet) -> list[Filter]:
    if isinstance(dataset, ds.CountTable):
        return [
            Filter(
                d,
                f"{ds.DIMENSIONS[d].meaning}; '{ds.ALL}' selects the totals.",
                ds.DIMENSIONS[d].pattern,
                (*ds.DIMENSIONS[d].fixed_values(), ds.ALL),
                closed=d not in ("month", "year"),
            )
            for d in dataset.dimensions
        ]
    fields = {f.name: f for f in dataset.fields()}
    return [
        Filter(name, str(fields[name].meaning), values=tuple(v for v, _l in fields[name].values))
        for name in dataset.filters
    ]


def table_fields(dataset: ds.CountTable | ds.EstimateSet) -> list[ds.Field]:
    if isinstance(dataset, ds.CountTable):
        return dataset.fields({d: [] for d in dataset.dimensions})
    return dataset.fields()


class ReleasedTableView(ReleasedView):
    """A count table or a set of estimates: small, read whole from the release and filtered."""

    dataset: ds.CountTable | ds.EstimateSet
    filters: list[Filter]

    def known_parameters(self):
        return super().known_parameters() | {f.name for f in self.filters}

    def list(self, request, *args, **kwargs):
        file = self.release_file(self.dataset.slug)
        if response := self.not_modified(request, file.sha256, file.release.finished_at):
            return response
        frame = whole = read_table(file)
        for query in self.filters:
            if (value := request.query_params.get(query.name)) is not None:
                query.check(value, whole[query.name].unique(maintain_order=True).to_list())
                frame = frame.filter(pl.col(query.name) == value)
        page = self.paginate_queryset(frame.to_dicts())
        return self.get_paginated_response(page)


def released_table_view(dataset: ds.CountTable | ds.EstimateSet):
    name = "".join(part.title() for part in dataset.slug.split("-")) + "Row"
    row = row_serializer(name, table_fields(dataset))
    filters = table_filters(dataset)
    parameters = [OpenApiParameter(f.name, f.schema(), description=f.meaning) for f in filters]

    # A function of its own for each table: extend_schema writes onto the function it decorates.
    def get(self, request, *args, **kwargs):
        return ReleasedTableView.get(self, request, *args, **kwargs)

    documented = extend_schema(
        summary=str(dataset.title),
        description=str(dataset.description),
        parameters=parameters,
        responses={
            200: row(many=True),
            400: BAD_REQUEST,
            404: PAST_THE_END,
            429: THROTTLED,
            503: NOT_YET,
        },
        tags=[dataset.kind],
    )(get)
    view = type(
        f"{name}s",
        (ReleasedTableView,),
        {"dataset": dataset, "filters": filters, "serializer_class": row, "get": documented},
    )
    return view.as_view()


# --- Allegation records, from the latest release, filtered as asked ----------------------------


MONTH_PATTERN = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"
CODE_PATTERN = r"^[0-9a-f]{16}$"


class MonthField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value and not re.match(MONTH_PATTERN, value):
            raise forms.ValidationError("Enter a month as YYYY-MM, for example 2026-03.")
        return value


def _with(choices) -> list[tuple[str, str]]:
    return [*choices, (WITHHELD, "Withheld")]


def _period_bounds(column: str) -> tuple[pl.Expr, pl.Expr]:
    """The first and last month a published period (month, quarter or year) stands for."""
    period = pl.col(column)
    year = period.str.slice(0, 4)
    quarter = period.str.slice(6, 1).cast(pl.Int32, strict=False)
    first = (
        pl.when(period.str.len_chars() == 4)
        .then(year + "-01")
        .when(period.str.contains("-Q"))
        .then(year + "-" + ((quarter - 1) * 3 + 1).cast(pl.String).str.zfill(2))
        .otherwise(period)
    )
    last = (
        pl.when(period.str.len_chars() == 4)
        .then(year + "-12")
        .when(period.str.contains("-Q"))
        .then(year + "-" + (quarter * 3).cast(pl.String).str.zfill(2))
        .otherwise(period)
    )
    return first, last


class RecordQuery(forms.Form):
    """The allegation records' filters: each checked as its form field checks it, each named
    after the published column it selects on (the months bound `received_period`)."""

    category = forms.ChoiceField(
        choices=_with(AllegationCategory.choices), required=False, help_text="Kind of misconduct"
    )
    finding = forms.ChoiceField(choices=_with(Finding.choices), required=False, help_text="Finding")
    channel = forms.ChoiceField(
        choices=_with(Channel.choices), required=False, help_text="How the complaint reached us"
    )
    district = forms.RegexField(
        ds.DISTRICT_PATTERN,
        required=False,
        help_text="District code, 'unknown' or 'withheld'",
        error_messages={"invalid": "Enter a district code of 1 to 20 printable characters."},
    )
    complaint_id = forms.RegexField(
        CODE_PATTERN,
        required=False,
        help_text="Code of the complaint (16 characters, 0-9 and a-f)",
        error_messages={"invalid": "Enter a complaint code: 16 characters, 0-9 and a-f."},
    )
    received_from = MonthField(
        required=False,
        help_text="First month received, YYYY-MM (rows whose whole period falls in the range)",
    )
    received_to = MonthField(required=False, help_text="Last month received, YYYY-MM")

    EQUAL = ("category", "finding", "channel", "district", "complaint_id")

    def clean_district(self):
        district = self.cleaned_data["district"]
        known = [code for code, _name in ds.DIMENSIONS["district"].domain({})] + [WITHHELD]
        if district and district not in known:
            raise forms.ValidationError(
                f"Unknown district {district!r}. Known: {', '.join(known)}."
            )
        return district

    def select(self, records: pl.LazyFrame) -> pl.LazyFrame:
        asked = {
            name: value for name, value in self.cleaned_data.items() if value not in ("", None)
        }
        for name in self.EQUAL:
            if name in asked:
                records = records.filter(pl.col(name) == asked[name])
        first, last = _period_bounds("received_period")
        if "received_from" in asked:
            records = records.filter(
                pl.col("received_period") != WITHHELD, first >= asked["received_from"]
            )
        if "received_to" in asked:
            records = records.filter(
                pl.col("received_period") != WITHHELD, last <= asked["received_to"]
            )
        return records

    @classmethod
    def parameters(cls) -> list[OpenApiParameter]:
        """The filters as OpenAPI describes them, from the form fields themselves."""
        parameters = []
        for name, field in cls.base_fields.items():
            if isinstance(field, forms.ChoiceField):
                schema = {"type": "string", "enum": [value for value, _label in field.choices]}
            elif isinstance(field, MonthField):
                schema = {"type": "string", "pattern": MONTH_PATTERN, "example": "2026-03"}
            elif name == "complaint_id":
                schema = {"type": "string", "pattern": CODE_PATTERN}
            else:
                schema = {"type": "string", "pattern": ds.DISTRICT_PATTERN}
            parameters.append(OpenApiParameter(name, schema, description=str(field.help_text)))
        return parameters


class Rows:
    """The rows a query selects, counted and sliced as Django's paginator asks, so only the
    page asked for is ever built."""

    def __init__(self, records: pl.LazyFrame):
        self.records = records

    def count(self) -> int:
        return self.records.select(pl.len()).collect().item()

    def __getitem__(self, page: slice) -> list[dict]:
        return self.records.slice(page.start, page.stop - page.start).collect().to_dicts()


def record_serializer(record_set: ds.RecordSet, officer_data: bool):
    # Officer fields appear only where the release named officers.
    return row_serializer(
        "AllegationRecord" + ("WithOfficer" if officer_data else ""),
        record_set.fields(officer_data),
        optional=record_set.fields_officer,
    )


class AllegationRecords(ReleasedView):
    record_set = ds.ALLEGATION_RECORDS
    # For the schema: every field that can appear.
    serializer_class = record_serializer(ds.ALLEGATION_RECORDS, True)

    def known_parameters(self):
        return super().known_parameters() | set(RecordQuery.base_fields)

    @extend_schema(
        summary=str(ds.ALLEGATION_RECORDS.title),
        description=str(ds.ALLEGATION_RECORDS.description),
        parameters=RecordQuery.parameters(),
        responses={
            200: record_serializer(ds.ALLEGATION_RECORDS, True)(many=True),
            400: BAD_REQUEST,
            404: PAST_THE_END,
            429: THROTTLED,
            503: NOT_YET,
        },
        tags=["records"],
    )
    def get(self, request, *args, **kwargs):
        file = self.release_file(self.record_set.slug)
        query = RecordQuery(request.query_params)
        if not query.is_valid():
            raise exceptions.ValidationError(query.errors)
        if response := self.not_modified(request, file.sha256, file.release.finished_at):
            return response
        page = self.paginate_queryset(Rows(query.select(scan_records(file))))
        serializer = record_serializer(self.record_set, file.release.officer_data)
        return self.get_paginated_response(serializer(page, many=True).data)


# --- The root: what the API offers ---------------------------------------------------------------


class DocumentationSerializer(serializers.Serializer):
    interactive = serializers.URLField(help_text="Swagger UI: try every resource in the browser.")
    reference = serializers.URLField(help_text="ReDoc: the reference, one page.")
    openapi = serializers.URLField(help_text="The OpenAPI 3 document, JSON.")


class RateLimitSerializer(serializers.Serializer):
    requests = serializers.IntegerField(help_text="Requests allowed per window, per address.")
    window_seconds = serializers.IntegerField()
    headers = serializers.ListField(
        child=serializers.CharField(),
        help_text="Sent with every answer of a limited resource; Retry-After with a 429.",
    )


class ResourceSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.URLField(help_text="The resource in this API; answers are JSON.")
    description = serializers.CharField()
    formats = serializers.ListField(child=serializers.ChoiceField(choices=["json"]))
    downloads = DownloadsSerializer(
        allow_null=True, help_text="The same data as bulk files, if it has them."
    )


class RootSerializer(serializers.Serializer):
    title = serializers.CharField()
    description = serializers.CharField()
    version = serializers.CharField()
    documentation = DocumentationSerializer()
    rate_limit = RateLimitSerializer(
        allow_null=True, help_text="Not limited (the documentation and schema never are) if null."
    )
    resources = ResourceSerializer(many=True)


RATE_LIMIT_HEADERS = [
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
]


def _resources(request) -> list[dict]:
    def absolute(name, **kwargs):
        return request.build_absolute_uri(reverse(name, kwargs=kwargs or None))

    def downloads(slug):
        return {
            fmt: absolute("publish-download", slug=slug, fmt=fmt)
            for fmt in ("csv", "json", "parquet")
        }

    found = [
        {
            "name": "datasets",
            "url": absolute("publish-api-datasets"),
            "description": "Every public dataset, with its data dictionary and bulk files.",
            "formats": ["json"],
            "downloads": None,
        },
        {
            "name": "allegations",
            "url": absolute("publish-api-records"),
            "description": str(ds.ALLEGATION_RECORDS.description),
            "formats": ["json"],
            "downloads": downloads(ds.ALLEGATION_RECORDS.slug),
        },
    ]
    for dataset in [*ds.COUNT_TABLES, *ds.ESTIMATE_SETS]:
        found.append(
            {
                "name": f"{dataset.kind}/{dataset.slug}",
                "url": absolute(f"publish-api-{dataset.slug}"),
                "description": f"{dataset.title}. {dataset.description}",
                "formats": ["json"],
                "downloads": downloads(dataset.slug),
            }
        )
    return found


class ApiRoot(Public, APIView):
    """/api/v1/: what the API offers, where its documentation is, and its rate limit."""

    @extend_schema(
        summary="What this API offers: every resource, its documentation, its rate limit",
        responses={200: RootSerializer, 400: BAD_REQUEST, 429: THROTTLED},
    )
    def get(self, request, *args, **kwargs):
        throttle = AddressRateThrottle()
        settings = django_settings.SPECTACULAR_SETTINGS
        return Response(
            {
                "title": settings["TITLE"],
                "description": settings["DESCRIPTION"],
                "version": settings["VERSION"],
                "documentation": {
                    "interactive": request.build_absolute_uri(reverse("publish-api-docs")),
                    "reference": request.build_absolute_uri(reverse("publish-api-redoc")),
                    "openapi": request.build_absolute_uri(reverse("publish-api-schema")),
                },
                "rate_limit": None
                if throttle.rate is None
                else {
                    "requests": throttle.num_requests,
                    "window_seconds": throttle.duration,
                    "headers": RATE_LIMIT_HEADERS,
                },
                "resources": _resources(request),
            }
        )
