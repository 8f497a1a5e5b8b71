"""The surveys' pages: residents answer under /survey/, staff work under /staff/surveys/.
Each area's views live in their own module (views_public, views_staff, ...)."""

app_name = "surveys"

urlpatterns: list = []

# --- phone: telephone interviewing and paper entry ---------------------------------------------

from django.urls import path  # noqa: E402

from commonground.surveys import views_phone  # noqa: E402

urlpatterns += [
    path("staff/surveys/phone/", views_phone.phone_queue, name="phone_queue"),
    path("staff/surveys/phone/samples/", views_phone.phone_samples, name="phone_samples"),
    path("staff/surveys/phone/samples/<int:pk>/", views_phone.phone_sample, name="phone_sample"),
    path(
        "staff/surveys/phone/samples/<int:pk>/calls/",
        views_phone.phone_max_attempts,
        name="phone_max_attempts",
    ),
    path(
        "staff/surveys/phone/samples/<int:pk>/erase/", views_phone.phone_erase, name="phone_erase"
    ),
    path("staff/surveys/phone/waves/<int:pk>/next/", views_phone.phone_next, name="phone_next"),
    path("staff/surveys/phone/cases/<int:pk>/", views_phone.phone_case, name="phone_case"),
    path("staff/surveys/phone/cases/<int:pk>/call/", views_phone.phone_call, name="phone_call"),
    path(
        "staff/surveys/phone/cases/<int:pk>/hand-back/",
        views_phone.phone_hand_back,
        name="phone_hand_back",
    ),
    path(
        "staff/surveys/phone/cases/<int:pk>/interview/<int:number>/",
        views_phone.phone_interview,
        name="phone_interview",
    ),
    path("staff/surveys/paper/", views_phone.paper_waves, name="paper_waves"),
    path("staff/surveys/paper/<int:pk>/", views_phone.paper_entry, name="paper_entry"),
]
