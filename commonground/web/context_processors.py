from django.conf import settings
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language, get_language_bidi

from commonground.web.agency import agency_contact


def site(request):
    current = get_language()
    return {
        "site_name": settings.SITE_NAME,
        "agency_name": settings.AGENCY_NAME,
        # How to reach the agency besides this site (phone, e-mail, address, opening hours).
        "agency_contact": SimpleLazyObject(lambda: agency_contact(current)),
        "language_links": [
            {
                "code": code,
                "name": settings.LANGUAGE_NAMES_NATIVE[code],
                # The full path: a search (?q=) or a return to the review (?then=review) stays.
                "url": translate_url(request.get_full_path(), code),
                "current": code == current,
            }
            for code, _name in settings.LANGUAGES
        ],
        "text_direction": "rtl" if get_language_bidi() else "ltr",
    }
