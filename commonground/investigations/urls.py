from django.urls import path

from commonground.investigations import views

app_name = "investigations"

urlpatterns = [
    path("staff/cases/", views.case_list, name="case_list"),
    path("staff/cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("staff/cases/<int:pk>/do/<slug:name>/", views.case_action, name="case_action"),
    path("staff/cases/<int:pk>/referral-letter/", views.referral_letter, name="referral_letter"),
    path("staff/queues/", views.queues, name="queues"),
    path("staff/queues/new/", views.new_report_list, name="new_reports"),
    path("staff/queues/<slug:name>/", views.queues, name="queue"),
    path("staff/overview/", views.overview, name="overview"),
]
