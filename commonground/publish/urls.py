from django.urls import path

from commonground.publish import views

urlpatterns = [
    path("policies/", views.policies, name="publish-policies"),
    path("policies/<slug:slug>/", views.policy, name="publish-policy"),
    path("policies/<slug:slug>/v<int:number>/", views.policy, name="publish-policy-version"),
    path("policies/<slug:slug>/v<int:number>/pdf", views.policy_pdf, name="publish-policy-pdf"),
    path("figures/", views.figures, name="publish-figures"),
    path("figures/<slug:slug>/", views.dashboard, name="publish-dashboard"),
    path("data/", views.catalogue, name="publish-catalogue"),
    path("data/<slug:slug>/", views.dataset, name="publish-dataset"),
]
