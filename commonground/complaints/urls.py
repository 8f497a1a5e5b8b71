from django.urls import path

from commonground.complaints import views_public, views_staff

app_name = "complaints"

urlpatterns = [
    path("report/", views_public.start, name="start"),
    path("report/officers/", views_public.officers, name="officers"),
    path("report/officers/lookup/", views_public.officer_lookup, name="officer_lookup"),
    path("report/people/", views_public.people, name="people"),
    path("report/files/", views_public.files, name="files"),
    path("report/review/", views_public.review, name="review"),
    path("report/submit/", views_public.submit, name="submit"),
    path("report/received/", views_public.received, name="received"),
    path("report/<slug:step>/", views_public.step, name="step"),
    path("status/", views_public.status, name="status"),
    path("status/report/", views_public.status_report, name="status_report"),
    path("status/add/", views_public.add_information, name="add_information"),
    path("status/review/", views_public.ask_for_review, name="ask_for_review"),
    path("status/done/", views_public.forget_report, name="forget_report"),
    path("staff/intake/", views_staff.staff_intake, name="staff_intake"),
    path("staff/intake/officers/", views_staff.staff_officer_search, name="staff_officer_search"),
    path("staff/intake/badge/", views_staff.staff_badge_check, name="staff_badge_check"),
]
