"""How a custody event's details read in the item page and the custody report."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

LABELS = {
    "sha256": _("SHA-256"),
    "size": _("Size in bytes"),
    "content_type": _("Type"),
    "name": _("File name"),
    "duration_seconds": _("Playing time in seconds"),
    "metadata_stripped": _("Photo metadata removed"),
    "same_bytes_as": _("Same bytes as"),
    "derived_from": _("Redacted copy of"),
    "copy": _("Copy"),
    "copy_sha256": _("Copy's SHA-256"),
    "purpose": _("For"),
    "regions": _("Areas blacked out (left, top, width, height)"),
    "party": _("Party"),
    "recipient": _("Recipient"),
    "package_sha256": _("Package's SHA-256"),
    "package_size": _("Package size in bytes"),
    "case": _("Case"),
    "hold": _("Hold number"),
    "matter": _("Matter"),
    "intact": _("Intact"),
    "bytes_checked": _("Stored file re-hashed"),
    "events_checked": _("Events checked"),
    "problems": _("Problems"),
    "schedule": _("Schedule"),
    "retain_until": _("Kept until"),
    "evidentiary": _("Evidentiary"),
    "bytes_removed": _("Stored file removed"),
    "before": _("Before"),
    "after": _("After"),
    "original": _("Original"),
}
# Said only when true: "no" would be noise on every other event.
ONLY_WHEN_TRUE = {"metadata_stripped", "original"}


def _text(value) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, dict):
        return "; ".join(f"{LABELS.get(k, k)}: {_text(v)}" for k, v in value.items() if v != "")
    if isinstance(value, list):
        return "; ".join(
            _text(v) if not isinstance(v, list) else ", ".join(map(str, v)) for v in value
        )
    return str(value)


@register.filter
def custody_details(details: dict) -> list[tuple[str, str]]:
    """(label, value) for each detail worth reading; empty values left out."""
    lines = []
    for key, value in (details or {}).items():
        if value is None or value == "" or value == [] or value == {}:
            continue
        if key in ONLY_WHEN_TRUE and value is False:
            continue
        lines.append((str(LABELS.get(key, key)), _text(value)))
    return lines
