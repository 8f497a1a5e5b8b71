"""The surveys' pages: residents answer under /survey/, staff work under /staff/surveys/.
Each area's views live in their own module (views_public, views_staff, ...)."""

app_name = "surveys"

urlpatterns: list = []

# --- focus: focus-group sessions, codebook, coding, theme counts by group -------------------

from django.urls import path  # noqa: E402

from commonground.surveys import views_focus  # noqa: E402

urlpatterns += [
    path("staff/surveys/focus/", views_focus.focus_home, name="focus_home"),
    path("staff/surveys/focus/survey/<int:pk>/new/", views_focus.focus_new, name="focus_new"),
    path(
        "staff/surveys/focus/survey/<int:pk>/themes/",
        views_focus.focus_themes,
        name="focus_themes",
    ),
    path(
        "staff/surveys/focus/survey/<int:pk>/compare/",
        views_focus.focus_compare,
        name="focus_compare",
    ),
    path("staff/surveys/focus/<int:pk>/", views_focus.focus_detail, name="focus_detail"),
    path("staff/surveys/focus/<int:pk>/edit/", views_focus.focus_edit, name="focus_edit"),
    path(
        "staff/surveys/focus/<int:pk>/do/participant/",
        views_focus.focus_add_participant,
        name="focus_add_participant",
    ),
    path("staff/surveys/focus/<int:pk>/do/code/", views_focus.focus_code, name="focus_code"),
    path(
        "staff/surveys/focus/excerpts/<int:pk>/do/remove/",
        views_focus.focus_uncode,
        name="focus_uncode",
    ),
    path(
        "staff/surveys/focus/themes/<int:pk>/",
        views_focus.focus_theme_edit,
        name="focus_theme_edit",
    ),
]
