"""Not translated: /api/ and /data/ files are the same in every language."""

from django.urls import path
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from commonground.publish import api, views
from commonground.publish.datasets import COUNT_TABLES, ESTIMATE_SETS
from commonground.web.middleware import API_DOCS_CSP, content_security_policy

api_docs = content_security_policy(API_DOCS_CSP)

# The documentation and the schema are never rate-limited: a client refused data can still read
# how to use the API (and when to come back).
unlimited = {"throttle_classes": []}

urlpatterns = [
    path("api/v1/", api.ApiRoot.as_view(), name="publish-api-root"),
    path("api/v1/datasets/", api.DatasetList.as_view(), name="publish-api-datasets"),
    path("api/v1/allegations/", api.AllegationRecords.as_view(), name="publish-api-records"),
    *[
        path(
            f"api/v1/{dataset.kind}/{dataset.slug}/",
            api.released_table_view(dataset),
            name=f"publish-api-{dataset.slug}",
        )
        for dataset in [*COUNT_TABLES, *ESTIMATE_SETS]
    ],
    path(
        "api/v1/openapi.json",
        SpectacularJSONAPIView.as_view(**unlimited),
        name="publish-api-schema",
    ),
    # The split view serves Swagger UI's start-up script as a file of its own (?script), so
    # the page needs no inline script; ReDoc's page is ours, without the web fonts it fetches.
    path(
        "api/docs/",
        api_docs(
            SpectacularSwaggerSplitView.as_view(
                url_name="publish-api-schema",
                template_name="publish/swagger_ui.html",
                **unlimited,
            )
        ),
        name="publish-api-docs",
    ),
    path(
        "api/redoc/",
        api_docs(
            SpectacularRedocView.as_view(
                url_name="publish-api-schema", template_name="publish/redoc.html", **unlimited
            )
        ),
        name="publish-api-redoc",
    ),
    path("data/<slug:slug>.<str:fmt>", views.download, name="publish-download"),
]
