"""The project's URLs plus a bare view: the baseline every benchmark is divided by."""

from django.http import HttpResponse
from django.urls import path

from commonground.urls import *  # noqa: F403
from commonground.urls import urlpatterns as project_urlpatterns


def bare(request):
    """No database, no template: what the framework and the middleware cost on their own."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare", bare, name="bench_bare"), *project_urlpatterns]
