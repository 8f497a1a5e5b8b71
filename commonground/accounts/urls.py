from django.urls import path

from commonground.accounts import views

urlpatterns = [
    path("staff/", views.staff_home, name="staff_home"),
]
