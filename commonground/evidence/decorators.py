"""Views that receive files say how much they take, and answer 413 to anything larger."""

from collections.abc import Callable
from functools import wraps

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from commonground.evidence.files import UploadLimit, UploadTooLarge, declared_length


def limit_upload(limit: Callable[[], UploadLimit], *, json: bool = False):
    """Refuse a request larger than `limit()` with 413 Request Entity Too Large and a message in
    plain words: an HTML page, or `{"error": ...}` for the JSON endpoints.

    A declared Content-Length over the limit is refused before a byte of the body is read; a
    body that turns out longer is refused as soon as it passes the limit, by the upload handler
    (evidence.files.HashingUploadHandler), which holds the request to the same limit.

    Django's CSRF check reads a form's body before any view runs, so the middleware is told to
    leave this view alone (csrf_exempt) and the very same check runs here, after the size is
    known to be acceptable and before the view (csrf_protect): forged requests are refused
    exactly as on every other view."""

    def decorator(view):
        protected = csrf_protect(view)

        @wraps(view)
        def limited(request, *args, **kwargs):
            route = limit()
            request.upload_limit = route  # read by the upload handler
            size = declared_length(request)
            if size > route.request_bytes:
                return too_large(request, route.message(size), json=json)
            try:
                return protected(request, *args, **kwargs)
            except UploadTooLarge as refused:
                request._mark_post_parse_error()  # the body is not read again
                return too_large(request, str(refused.limit.message(refused.size)), json=json)

        # The same CSRF check runs inside, once the size is known (see above).
        return csrf_exempt(limited)  # nosemgrep: no-csrf-exempt

    return decorator


def too_large(request, message: str, *, json: bool = False):
    if json:
        return JsonResponse({"error": message}, status=413)
    return render(request, "web/too_large.html", {"message": message}, status=413)
