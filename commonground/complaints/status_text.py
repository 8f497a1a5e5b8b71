from django.utils.translation import gettext_lazy as _

from commonground.complaints.models import Milestone

# What each milestone means, in words a resident can act on.
EXPLANATIONS = {
    Milestone.RECEIVED: _(
        "We have your report. A supervisor in internal affairs will read it and decide how it "
        "is handled."
    ),
    Milestone.INVESTIGATION: _(
        "An investigator is gathering evidence and may contact you and any witnesses."
    ),
    Milestone.MEDIATION: _(
        "Your report was referred to mediation: a neutral person will help you and the officer "
        "talk, if you both agree."
    ),
    Milestone.BOARD_REVIEW: _(
        "The investigation is finished. The civilian oversight board is reviewing it, and then "
        "the agency head decides on the outcome."
    ),
    Milestone.FORWARDED: _(
        "Your commendation was sent to the officer's commander and added to the officer's record."
    ),
    Milestone.CLOSED: _("This report is closed."),
}
