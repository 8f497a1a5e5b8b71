"""The surveys' pages: residents answer under /survey/, staff work under /staff/surveys/.
Each area's views live in their own module (views_public, views_staff, ...)."""

app_name = "surveys"

urlpatterns: list = []

# --- results: margins, weighting runs, estimates ---------------------------------------------
from django.urls import path  # noqa: E402

from commonground.surveys import views_results  # noqa: E402

urlpatterns += [
    path("staff/surveys/margins/", views_results.margins, name="results_margins"),
    path("staff/surveys/results/", views_results.wave_list, name="results_waves"),
    path("staff/surveys/results/<int:pk>/", views_results.wave_results, name="results_wave"),
    path(
        "staff/surveys/results/<int:pk>/do/weigh/",
        views_results.run_weighting,
        name="results_weigh",
    ),
    path(
        "staff/surveys/results/<int:pk>/estimates.csv",
        views_results.estimates_csv,
        name="results_csv",
    ),
]
