"""Start-up checks of the settings residents see: a malformed value stops the site with a clear
message instead of showing nonsense on every page."""

import opening_hours
from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from commonground.web.agency import parse_hours


@checks.register(checks.Tags.compatibility)
def check_agency_contact(app_configs=None, **kwargs):
    errors = []
    if settings.AGENCY_OPENING_HOURS.strip():
        try:
            parse_hours(settings.AGENCY_OPENING_HOURS)
        except opening_hours.ParserError as error:
            errors.append(
                checks.Error(
                    f"AGENCY_OPENING_HOURS is not in OpenStreetMap's opening_hours form: "
                    f"{settings.AGENCY_OPENING_HOURS!r}.",
                    hint='Write it like "Mo-Fr 08:00-18:00; Sa 10:00-14:00". '
                    + " ".join(line.strip() for line in str(error).splitlines() if line.strip()),
                    id="web.E001",
                )
            )
    if settings.AGENCY_EMAIL:
        try:
            validate_email(settings.AGENCY_EMAIL)
        except ValidationError:
            errors.append(
                checks.Error(
                    f"AGENCY_EMAIL is not an e-mail address: {settings.AGENCY_EMAIL!r}.",
                    id="web.E002",
                )
            )
    return errors
