from django.urls import path

from commonground.early_warning import views

app_name = "early_warning"

urlpatterns = [
    path("staff/early-intervention/", views.alert_list, name="alert_list"),
    path("staff/early-intervention/alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("staff/early-intervention/alerts/<int:pk>/do/review/", views.review, name="review"),
    path(
        "staff/early-intervention/alerts/<int:pk>/do/intervention/",
        views.intervention,
        name="intervention",
    ),
    path(
        "staff/early-intervention/interventions/<int:pk>/do/follow-up/",
        views.follow_up,
        name="follow_up",
    ),
    path(
        "staff/early-intervention/officers/<int:pk>/",
        views.officer_record,
        name="officer_record",
    ),
    path("staff/early-intervention/my-record/", views.my_record, name="my_record"),
    path("staff/early-intervention/report/", views.report, name="report"),
]
