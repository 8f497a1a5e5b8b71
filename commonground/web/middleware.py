from django.utils.cache import add_never_cache_headers

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
# Django's admin sets a few style attributes; it is staff-only and has no user-written HTML.
ADMIN_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class SecurityHeadersMiddleware:
    """Content-Security-Policy without inline script and a permissions policy on every page;
    no caching anywhere (browser, proxy) of a page that may hold personal data: anything a
    signed-in user sees, and a resident's own pages (their draft report, their status)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        is_admin = "/admin/" in request.path_info
        response.setdefault("Content-Security-Policy", ADMIN_CSP if is_admin else CSP)
        response.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        if _may_hold_personal_data(request):
            add_never_cache_headers(response)
        return response


def _may_hold_personal_data(request) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    session = getattr(request, "session", None)
    return session is not None and session.accessed and not session.is_empty()
