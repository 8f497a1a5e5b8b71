from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def home(request):
    return render(request, "web/home.html")


@require_safe
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        # Our upload limits say what was too large (evidence.files.UploadTooLarge); Django's own
        # (a form with too many fields or too much text) only that it was.
        message = str(exception) if hasattr(exception, "limit") else ""
        return render(request, "web/too_large.html", {"message": message}, status=413)
    return render(request, "web/error.html", {"code": 400}, status=400)


def forbidden(request, exception=None):
    return render(request, "web/error.html", {"code": 403}, status=403)


def not_found(request, exception=None):
    return render(request, "web/error.html", {"code": 404}, status=404)


def server_error(request):
    return render(request, "web/error.html", {"code": 500}, status=500)
