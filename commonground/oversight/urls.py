from django.urls import path

from commonground.oversight import views

app_name = "oversight"

urlpatterns = [
    path("staff/board/", views.board_home, name="board_home"),
    path("staff/board/do/schedule/", views.schedule_meeting, name="schedule_meeting"),
    path("staff/board/meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path(
        "staff/board/meetings/<int:pk>/do/<slug:name>/",
        views.meeting_action,
        name="meeting_action",
    ),
    path("staff/board/reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("staff/board/reviews/<int:pk>/do/<slug:name>/", views.review_action, name="review_action"),
    path("staff/cases/<int:pk>/board/", views.case_reviews, name="case_reviews"),
    path("staff/cases/<int:pk>/board/do/decide/", views.decide, name="decide"),
    path("staff/decisions/", views.decision_queue_view, name="decision_queue"),
    path("board/meetings/", views.public_meeting_list, name="public_meetings"),
    path("board/meetings/<int:pk>/", views.public_minutes_view, name="public_minutes"),
]
