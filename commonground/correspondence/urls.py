from django.urls import path

from commonground.correspondence import views

app_name = "correspondence"

urlpatterns = [
    path("staff/contact/", views.task_list, name="task_list"),
    path("staff/contact/<int:pk>/", views.task_detail, name="task_detail"),
    path("staff/contact/<int:pk>/call/", views.record_call, name="record_call"),
    path("staff/contact/<int:pk>/letter.pdf", views.letter_pdf, name="letter_pdf"),
    path("staff/contact/<int:pk>/posted/", views.letter_posted, name="letter_posted"),
    path("staff/contact/<int:pk>/returned/", views.letter_returned, name="letter_returned"),
]
