"""Focus-group data for tests, set up through the actions."""

import datetime

from django.utils import timezone

from commonground.surveys import actions
from commonground.surveys.tests.factories import make_survey, words

NOTES = (
    "P1 said the police take too long to come when you call at night.\n"
    "P2 agreed: response times are slow on the east side.\n"
    "P3 said officers at the market are respectful and listen."
)


def session(by, survey=None, **overrides):
    survey = survey or make_survey()
    details = {
        "title": "Renters, evening session",
        "facilitator": by,
        "held_on": timezone.localdate() - datetime.timedelta(days=2),
        "place": "Northside library",
        "language": "en",
        "notes": NOTES,
        **overrides,
    }
    return actions.record_focus_group(survey=survey, by=by, **details)


def theme(by, survey, code="slow_response", en="Slow response", es="Respuesta lenta", **kw):
    return actions.save_theme(survey=survey, by=by, code=code, label=words(en, es), **kw)
