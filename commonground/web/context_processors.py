from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_bidi


def site(request):
    current = get_language()
    return {
        "site_name": settings.SITE_NAME,
        "agency_name": settings.AGENCY_NAME,
        "language_links": [
            {
                "code": code,
                "name": settings.LANGUAGE_NAMES_NATIVE[code],
                "url": translate_url(request.path, code),
                "current": code == current,
            }
            for code, _name in settings.LANGUAGES
        ],
        "text_direction": "rtl" if get_language_bidi() else "ltr",
    }
