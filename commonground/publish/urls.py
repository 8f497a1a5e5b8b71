from django.urls import path

from commonground.publish import views, views_surveys

urlpatterns = [
    path("policies/", views.policies, name="publish-policies"),
    path("policies/<slug:slug>/", views.policy, name="publish-policy"),
    path("policies/<slug:slug>/v<int:number>/", views.policy, name="publish-policy-version"),
    path("policies/<slug:slug>/v<int:number>/pdf", views.policy_pdf, name="publish-policy-pdf"),
    path("figures/", views.figures, name="publish-figures"),
    path("figures/<slug:slug>/", views.dashboard, name="publish-dashboard"),
    path("data/", views.catalogue, name="publish-catalogue"),
    path("data/<slug:slug>/", views.dataset, name="publish-dataset"),
    # --- publish: community surveys ---
    path("results/surveys/", views_surveys.survey_index, name="publish-survey-index"),
    path(
        "results/surveys/<slug:survey>/", views_surveys.survey_results, name="publish-survey-city"
    ),
    path(
        "results/surveys/<slug:survey>/districts/<str:district>/",
        views_surveys.survey_results,
        name="publish-survey-district",
    ),
    path(
        "results/surveys/<slug:survey>/questionnaire/<slug:wave>/",
        views_surveys.questionnaire,
        name="publish-survey-questionnaire",
    ),
    path(
        "results/surveys/<slug:survey>/data/<slug:wave>/",
        views_surveys.public_use_page,
        name="publish-survey-public-use",
    ),
    path(
        "results/surveys/<slug:survey>/data/<slug:wave>/codebook.csv",
        views_surveys.public_use_codebook,
        name="publish-survey-codebook",
    ),
    path(
        "results/surveys/<slug:survey>/data/<slug:wave>/file.<str:fmt>",
        views_surveys.public_use_file,
        name="publish-survey-file",
    ),
]
