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
    path(
        "staff/surveys/sampling/samples/<int:pk>/do/returns/",
        views_sample.sample_returns,
        name="sample_returns",
    ),
]

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
