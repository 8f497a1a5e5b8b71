"""The surveys' pages: residents answer under /survey/, staff work under /staff/surveys/.
Each area's views live in their own module (views_public, views_staff, ...)."""

app_name = "surveys"

urlpatterns: list = []

# --- form: surveys, questionnaires, the question bank, XLSForm, waves ----------------------

from django.urls import path  # noqa: E402

from commonground.surveys import views_form  # noqa: E402

urlpatterns += [
    path("staff/surveys/", views_form.survey_list, name="form_survey_list"),
    path("staff/surveys/new/", views_form.survey_new, name="form_survey_new"),
    path("staff/surveys/<int:pk>/", views_form.survey_detail, name="form_survey_detail"),
    path(
        "staff/surveys/<int:pk>/questionnaires/new/",
        views_form.instrument_new,
        name="form_instrument_new",
    ),
    path(
        "staff/surveys/<int:pk>/questionnaires/bank/",
        views_form.instrument_bank,
        name="form_instrument_bank",
    ),
    path(
        "staff/surveys/<int:pk>/questionnaires/import/",
        views_form.instrument_import,
        name="form_instrument_import",
    ),
    path("staff/surveys/<int:pk>/waves/new/", views_form.wave_new, name="form_wave_new"),
    path(
        "staff/surveys/questionnaires/<int:pk>/",
        views_form.instrument_detail,
        name="form_instrument_detail",
    ),
    path(
        "staff/surveys/questionnaires/<int:pk>/xlsform/",
        views_form.instrument_xlsform,
        name="form_instrument_xlsform",
    ),
    path(
        "staff/surveys/questionnaires/<int:pk>/do/copy/",
        views_form.instrument_copy,
        name="form_instrument_copy",
    ),
    path(
        "staff/surveys/questionnaires/<int:pk>/questions/new/",
        views_form.question_new,
        name="form_question_new",
    ),
    path(
        "staff/surveys/questionnaires/<int:pk>/questions/<int:question>/",
        views_form.question_edit,
        name="form_question_edit",
    ),
    path(
        "staff/surveys/questionnaires/<int:pk>/questions/<int:question>/do/move/",
        views_form.question_move,
        name="form_question_move",
    ),
    path(
        "staff/surveys/questionnaires/<int:pk>/questions/<int:question>/do/delete/",
        views_form.question_delete,
        name="form_question_delete",
    ),
    path(
        "staff/surveys/questionnaires/<int:pk>/lists/new/",
        views_form.list_new,
        name="form_list_new",
    ),
    path(
        "staff/surveys/questionnaires/<int:pk>/lists/<int:choice_list>/",
        views_form.list_edit,
        name="form_list_edit",
    ),
    path(
        "staff/surveys/questionnaires/<int:pk>/lists/<int:choice_list>/do/delete/",
        views_form.list_delete,
        name="form_list_delete",
    ),
    path("staff/surveys/waves/<int:pk>/", views_form.wave_detail, name="form_wave_detail"),
    path(
        "staff/surveys/waves/<int:pk>/do/status/",
        views_form.wave_status,
        name="form_wave_status",
    ),
]
