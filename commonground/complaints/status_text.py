from django.utils.translation import gettext_lazy as _

from commonground.complaints.models import Status

# What each stage means, in words a resident can act on.
EXPLANATIONS = {
    Status.RECEIVED: _("We have your report. Nobody has been assigned to it yet."),
    Status.TRIAGE: _(
        "A supervisor in internal affairs is reading your report to decide how it will be handled."
    ),
    Status.INVESTIGATION: _(
        "An investigator is gathering evidence and may contact you and any witnesses."
    ),
    Status.MEDIATION: _(
        "Your report was referred to mediation: a neutral person will help you and the officer "
        "talk, if you both agree."
    ),
    Status.BOARD_REVIEW: _(
        "The investigation is finished and the civilian oversight board is reviewing it."
    ),
    Status.AGENCY_DECISION: _(
        "The board has made its recommendation; the agency head is deciding on the outcome."
    ),
    Status.FORWARDED: _(
        "Your commendation was sent to the officer's commander and added to the officer's record."
    ),
    Status.CLOSED: _("This report is closed."),
}
