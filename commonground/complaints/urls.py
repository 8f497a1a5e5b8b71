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
    path("report/<slug:step>/", views_public.step, name="step"),
    path("status/", views_public.status, name="status"),
    path("status/add/", views_public.add_information, name="add_information"),
    path("staff/intake/", views_staff.staff_intake, name="staff_intake"),
]
