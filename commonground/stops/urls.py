from django.urls import path

from commonground.stops import views

app_name = "stops"

urlpatterns = [
    path("staff/stops/", views.analysis_home, name="analysis"),
    path("staff/stops/benchmark/", views.benchmark, name="benchmark"),
    path("staff/stops/veil-of-darkness/", views.veil_of_darkness, name="veil_of_darkness"),
    path("staff/stops/outcomes/", views.outcomes, name="outcomes"),
    path("staff/stops/batches/", views.batch_list, name="batch_list"),
    path("staff/stops/batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("staff/stops/batches/<int:pk>/problems.csv", views.batch_report, name="batch_report"),
    path("staff/stops/batches/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("staff/stops/use-of-force/", views.incident_list, name="incident_list"),
    path("staff/stops/use-of-force/<int:pk>/", views.incident_detail, name="incident_detail"),
]
