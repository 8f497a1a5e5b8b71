"""The resident's pages (reporting, the status page) never learn who is signed in.

A staff member who reports a colleague from the browser they work in must be as anonymous as
anyone else. So these pages do not read the staff session at all: they get a session of their
own, under a cookie of its own, and the request's user is the anonymous user. Nothing that a
signed-in request writes (an audit `request` event with the user and their address, the user
session's last-seen time and address, the session's expiry) is written for them, and no action
called from them can name the staff member, because none of them knows who it is.

A view is a resident page when it is decorated with `resident_page`; the session middleware below
looks the path up before any other middleware reads the session."""

import time
from functools import lru_cache

from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date

RESIDENT_COOKIE_NAME = "resident_session"


def resident_page(view):
    """Declares a view a resident's page: it gets the resident's session and no user."""
    view.resident_page = True
    return view


@lru_cache(maxsize=4096)  # the URL configuration does not change while the process runs
def is_resident_page(path_info: str) -> bool:
    """Whether the path is a resident's page, or one the site redirects to a resident's page
    (without its language prefix or its final slash): the redirect is part of the visit."""
    language = translation.get_language_from_path(path_info)
    if not language:
        language = settings.LANGUAGE_CODE
        path_info = f"/{language}{path_info}"
    candidates = [path_info] if path_info.endswith("/") else [path_info, path_info + "/"]
    # The language prefix is matched against the active language, which LocaleMiddleware (after
    # this one) has not set yet.
    with translation.override(language):
        for candidate in candidates:
            try:
                match = resolve(candidate)
            except Resolver404:
                continue
            return getattr(match.func, "resident_page", False)
    return False


class ResidentSessionMiddleware(SessionMiddleware):
    """Django's session middleware, with a separate session (and cookie) for resident pages.

    The staff cookie is neither read, refreshed nor removed on those pages, so the staff member
    stays signed in elsewhere and their session row is not touched."""

    def process_request(self, request):
        request.resident_page = is_resident_page(request.path_info)
        request.session_cookie_name = (
            RESIDENT_COOKIE_NAME if request.resident_page else settings.SESSION_COOKIE_NAME
        )
        request.session = self.SessionStore(request.COOKIES.get(request.session_cookie_name))

    def process_response(self, request, response):
        # Django's own, with the request's cookie name in place of SESSION_COOKIE_NAME.
        try:
            accessed = request.session.accessed
            modified = request.session.modified
            empty = request.session.is_empty()
            name = request.session_cookie_name
        except AttributeError:
            return response
        if name in request.COOKIES and empty:
            response.delete_cookie(
                name,
                path=settings.SESSION_COOKIE_PATH,
                domain=settings.SESSION_COOKIE_DOMAIN,
                samesite=settings.SESSION_COOKIE_SAMESITE,
            )
            need_vary_cookie = True
        else:
            need_vary_cookie = accessed
            if (modified or settings.SESSION_SAVE_EVERY_REQUEST) and not empty:
                max_age = expires = None
                if not request.session.get_expire_at_browser_close():
                    max_age = request.session.get_expiry_age()
                    expires = http_date(time.time() + max_age)
                if response.status_code < 500:
                    try:
                        request.session.save()
                    except UpdateError:
                        raise SessionInterrupted(
                            "The request's session was deleted before the request completed."
                        ) from None
                    response.set_cookie(
                        name,
                        request.session.session_key,
                        max_age=max_age,
                        expires=expires,
                        domain=settings.SESSION_COOKIE_DOMAIN,
                        path=settings.SESSION_COOKIE_PATH,
                        secure=settings.SESSION_COOKIE_SECURE or None,
                        httponly=settings.SESSION_COOKIE_HTTPONLY or None,
                        samesite=settings.SESSION_COOKIE_SAMESITE,
                    )
                    need_vary_cookie = True
        if need_vary_cookie:
            patch_vary_headers(response, ("Cookie",))
        return response
