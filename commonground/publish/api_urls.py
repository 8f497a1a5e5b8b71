"""Not translated: /api/ and /data/ files are the same in every language."""

from django.urls import path
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from commonground.publish import api, views
from commonground.publish.datasets import COUNT_TABLES, ESTIMATE_SETS

urlpatterns = [
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
    path("api/v1/openapi.json", SpectacularJSONAPIView.as_view(), name="publish-api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="publish-api-schema"),
        name="publish-api-docs",
    ),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="publish-api-schema"),
        name="publish-api-redoc",
    ),
    path("data/<slug:slug>.<str:fmt>", views.download, name="publish-download"),
]
