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

# --- publish: quotes redacted from text answers (staff) ---
from django.urls import path  # noqa: E402

from commonground.surveys import views_publish  # noqa: E402

urlpatterns += [
    path("staff/surveys/quotes/", views_publish.quotes, name="publish_quotes"),
    path(
        "staff/surveys/quotes/<int:pk>/do/make/",
        views_publish.quote_make,
        name="publish_quote_make",
    ),
    path(
        "staff/surveys/quote/<int:pk>/do/approve/",
        views_publish.quote_approve,
        name="publish_quote_approve",
    ),
    path(
        "staff/surveys/quote/<int:pk>/do/withdraw/",
        views_publish.quote_withdraw,
        name="publish_quote_withdraw",
    ),
]
