from functools import wraps

from django.contrib.auth.decorators import login_required

from commonground.accounts.rules import require


def staff_required(permission: str = "staff.access"):
    """Log-in (with MFA, enforced by the middleware) and the permission, or 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require(request.user, permission)
            return view(request, *args, **kwargs)

        wrapped.permission = permission
        return wrapped

    return decorator
