from django.urls import path

from commonground.roster import views

app_name = "roster"

urlpatterns = [
    path("staff/roster/", views.officer_list, name="officer_list"),
    path("staff/roster/<int:pk>/", views.officer_detail, name="officer_detail"),
]
