"""Pieces of the open-data API that DRF and drf-spectacular load by name while they load the
views themselves (so they cannot live in api.py): the rate limit and a schema hook."""

from rest_framework.throttling import AnonRateThrottle

from commonground.web import ratelimit


class AddressRateThrottle(AnonRateThrottle):
    """DRF's per-address limit (API_RATE_LIMIT), counted in the database counter every process
    shares (commonground.web.ratelimit: a fixed window, one atomic upsert per request, the address
    only ever stored as a keyed hash). Where the client stands is kept on the request for the
    RateLimit-* headers, so they report the very count the decision was made on."""

    scope_name = "api"

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.window = ratelimit.count_attempt(
            self.scope_name, self.get_ident(request) or "", self.num_requests, self.duration
        )
        request.rate_limit = self.window
        return not self.window.exceeded

    def wait(self):
        return self.window.seconds_left


def rate_limit_headers(request, response) -> None:
    """The standard rate-limit fields on an answer of a limited resource (200, 304, 400, 429...):
    RateLimit-Limit, -Remaining, -Reset (seconds) and -Policy from the IETF httpapi draft
    (draft-ietf-httpapi-ratelimit-headers, the versions with separate fields), and the
    X-RateLimit-* forms many clients read, whose Reset is a Unix time as on GitHub's API.
    Nothing is sent when no window was counted (no limit set): never a made-up number."""
    window = getattr(request, "rate_limit", None)
    if window is None:
        return
    reset = str(window.seconds_left)
    response["RateLimit-Limit"] = response["X-RateLimit-Limit"] = str(window.limit)
    response["RateLimit-Remaining"] = response["X-RateLimit-Remaining"] = str(window.remaining)
    response["RateLimit-Reset"] = reset
    response["RateLimit-Policy"] = f"{window.limit};w={window.seconds}"
    response["X-RateLimit-Reset"] = str(int(window.resets_at.timestamp()))
    if window.exceeded:
        response["Retry-After"] = reset


def list_current_values(result, generator, request, public):
    """Every `district` and `discipline` parameter's schema becomes the list of values as they
    are now (the roster's districts, the ladder's levels), plus the values a dataset adds, so a
    value the API would refuse is one the schema refuses."""
    from django.db import DatabaseError

    from commonground.publish import datasets as ds
    from commonground.publish.anonymity import WITHHELD

    if request is None:
        return result  # a schema written offline (manage.py check, spectacular) keeps patterns
    try:
        current = {
            name: [code for code, _label in ds.DIMENSIONS[name].domain({})]
            for name in ("district", "discipline")
        }
    except DatabaseError:
        return result
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if (name := parameter.get("name")) not in current:
                    continue
                extra = [WITHHELD] if path.endswith("/allegations/") else [ds.ALL]
                parameter["schema"] = {"type": "string", "enum": current[name] + extra}
    return result
