"""Not translated: /api/ and /data/ files are the same in every language."""

from django.urls import path
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from commonground.publish import api, views
from commonground.publish.datasets import COUNT_TABLES

urlpatterns = [
    path("api/v1/datasets/", api.DatasetList.as_view(), name="publish-api-datasets"),
    path("api/v1/allegations/", api.AllegationRecords.as_view(), name="publish-api-records"),
    *[
        path(
            f"api/v1/counts/{table.slug}/",
            api.count_table_view(table),
            name=f"publish-api-{table.slug}",
        )
        for table in COUNT_TABLES
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
