"""The surveys' pages: residents answer under /survey/, staff work under /staff/surveys/.
Each area's views live in their own module (views_public, views_staff, ...)."""

app_name = "surveys"

urlpatterns: list = []

# --- online: the resident's questionnaire, under /survey/ -----------------------------------

from django.urls import path  # noqa: E402

from commonground.surveys import views_online  # noqa: E402

urlpatterns += [
    path("survey/", views_online.start, name="online_start"),
    # The letter's link and QR code carry the code; the server exchanges it and redirects.
    path("survey/c/<str:code>/", views_online.code_link, name="online_code_link"),
    path("survey/questions/<int:number>/", views_online.page, name="online_page"),
    path("survey/check/", views_online.review, name="online_review"),
    path("survey/send/", views_online.send, name="online_send"),
    path("survey/thanks/", views_online.thanks, name="online_thanks"),
    path("survey/stop/", views_online.leave, name="online_leave"),
    # The open link (opt-in), by the survey's slug: after the fixed paths above.
    path("survey/<slug:survey>/", views_online.open_link, name="online_open"),
]
