from django.urls import path

from commonground.publish import views

urlpatterns = [
    path("data/", views.catalogue, name="publish-catalogue"),
    path("data/<slug:slug>/", views.dataset, name="publish-dataset"),
]
