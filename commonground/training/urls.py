from django.urls import path

from commonground.training import views

app_name = "training"

urlpatterns = [
    path("staff/policies/", views.policy_list, name="policy_list"),
    path("staff/policies/new/", views.policy_new, name="policy_new"),
    path("staff/policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("staff/policies/<int:pk>/versions/new/", views.version_new, name="version_new"),
    path("staff/policies/<int:pk>/do/retire/", views.policy_retire, name="policy_retire"),
    path("staff/policy-versions/<int:pk>/edit/", views.version_edit, name="version_edit"),
    path(
        "staff/policy-versions/<int:pk>/do/publish/", views.version_publish, name="version_publish"
    ),
]
