from functools import wraps

from django.utils.cache import add_never_cache_headers

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
# For pages whose third-party interface writes its own style elements and attributes: Django's
# admin (staff-only, no user-written HTML) and the API documentation. Scripts stay strict.
INLINE_STYLES_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
# ReDoc also builds its search index in a worker made from a script of its own (a blob: URL).
API_DOCS_CSP = INLINE_STYLES_CSP + "; worker-src 'self' blob:"


def content_security_policy(policy: str):
    """A view decorator: the view's pages get `policy` in place of the site's."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response["Content-Security-Policy"] = policy
            return response

        return wrapped

    return decorator


class SecurityHeadersMiddleware:
    """Content-Security-Policy without inline script and a permissions policy on every page;
    no caching anywhere (browser, proxy) of a page that may hold personal data: anything a
    signed-in user sees, and a resident's own pages (their draft report, their status)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        is_admin = "/admin/" in request.path_info
        response.setdefault("Content-Security-Policy", INLINE_STYLES_CSP if is_admin else CSP)
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
