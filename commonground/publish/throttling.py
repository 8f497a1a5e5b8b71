"""Pieces of the open-data API that DRF and drf-spectacular load by name while they load the
views themselves (so they cannot live in api.py): the rate limit and a schema hook."""

from rest_framework.throttling import AnonRateThrottle

from commonground.lib.crypto import keyed_hash


class AddressRateThrottle(AnonRateThrottle):
    """DRF's per-address limit, keyed by a keyed hash of the address: the cache (a database
    table on the embedded default) never holds a reader's address."""

    def get_ident(self, request):
        return keyed_hash(super().get_ident(request) or "", "api-rate-limit")


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
