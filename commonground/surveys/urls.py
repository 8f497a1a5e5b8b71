"""The surveys' pages: residents answer under /survey/, staff work under /staff/surveys/.
Each area's views live in their own module (views_public, views_staff, ...)."""

app_name = "surveys"

urlpatterns: list = []

# --- sample: address frames, samples, invitations, letters ---------------------------------

from django.urls import path  # noqa: E402

from commonground.surveys import views_sample  # noqa: E402

urlpatterns += [
    path("staff/surveys/sampling/", views_sample.sample_overview, name="sample_overview"),
    path(
        "staff/surveys/sampling/lists/import/",
        views_sample.sample_frame_import,
        name="sample_frame_import",
    ),
    path(
        "staff/surveys/sampling/lists/<int:pk>/",
        views_sample.sample_frame_detail,
        name="sample_frame_detail",
    ),
    path(
        "staff/surveys/sampling/waves/<int:pk>/draw/", views_sample.sample_draw, name="sample_draw"
    ),
    path(
        "staff/surveys/sampling/waves/<int:pk>/open-link/",
        views_sample.sample_open_link,
        name="sample_open_link",
    ),
    path(
        "staff/surveys/sampling/samples/<int:pk>/", views_sample.sample_detail, name="sample_detail"
    ),
    path(
        "staff/surveys/sampling/samples/<int:pk>/do/letters/",
        views_sample.sample_letters,
        name="sample_letters",
    ),
]
