from commonground.audit import context
from commonground.audit.actions import record
from commonground.audit.choices import Outcome, Source

# Sign-in pages: the address of someone trying to sign in is recorded (CJIS AU-3), as it is for
# signed-in staff. Residents never sign in, so no resident's address is ever stored.
SIGN_IN_PATH = "/accounts/"


class AuditMiddleware:
    """Gives each request's audit events their source and, for staff, their address; and makes
    sure every request by a signed-in user leaves at least one event (CJIS AU-2: reads too).

    A resident's page is neither: its session is not the staff one, so its user is anonymous,
    and its origin is marked so that no event recorded during it names anyone (see `record`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_staff_door = request.user.is_authenticated or SIGN_IN_PATH in request.path_info
        address = request.META.get("REMOTE_ADDR") if is_staff_door else None
        source = Source.API if request.path_info.startswith("/api/") else Source.WEB
        resident = getattr(request, "resident_page", False)
        with context.origin(source, address, resident=resident) as origin:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and not resident and origin.events == 0:
                record(
                    actor=user,
                    action="request",
                    data={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                    },
                    outcome=outcome_of(response.status_code),
                )
        return response


def outcome_of(status: int) -> str:
    if status in (401, 403, 429):
        return Outcome.DENIED
    return Outcome.FAILURE if status >= 400 else Outcome.SUCCESS
