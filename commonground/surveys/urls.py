"""The surveys' pages: residents answer under /survey/, staff work under /staff/surveys/.
Each area's views live in their own module (views_public, views_staff, ...)."""

app_name = "surveys"

urlpatterns: list = []


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
