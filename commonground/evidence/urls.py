from django.urls import path

from commonground.evidence import views

app_name = "evidence"

urlpatterns = [
    path("staff/evidence/", views.item_list, name="item_list"),
    path("staff/evidence/footage/new/", views.import_footage, name="import_footage"),
    path("staff/evidence/uploads/", views.start_upload, name="start_upload"),
    path("staff/evidence/uploads/<uuid:uuid>/", views.upload_status, name="upload_status"),
    path("staff/evidence/uploads/<uuid:uuid>/chunk/", views.upload_chunk, name="upload_chunk"),
    path("staff/evidence/<uuid:uuid>/", views.item_detail, name="item_detail"),
    path("staff/evidence/<uuid:uuid>/content/", views.content, name="content"),
    path("staff/evidence/<uuid:uuid>/download/", views.download, name="download"),
    path("staff/evidence/<uuid:uuid>/export/", views.export, name="export"),
    path("staff/evidence/<uuid:uuid>/do/<slug:name>/", views.item_action, name="item_action"),
    path("staff/evidence/<uuid:uuid>/custody/", views.custody_report_page, name="custody_report"),
    path(
        "staff/evidence/<uuid:uuid>/custody.pdf",
        views.custody_report_page,
        {"fmt": "pdf"},
        name="custody_report_pdf",
    ),
]
