import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonground.settings")
application = get_wsgi_application()
# Import every view (and the libraries they use: seconds) now rather than on a worker's first
# request, so no resident waits for it; with gunicorn's --preload a restarted worker is then
# forked ready.
get_resolver().url_patterns  # noqa: B018
