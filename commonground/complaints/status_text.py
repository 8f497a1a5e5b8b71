"""What each stage of a report means, in words a resident can act on: the one source of the wording
that the confirmation, the status page and the e-mails use, so they never disagree.

A commendation is not handled like a complaint (no one in internal affairs decides anything: it
goes to the officer's commander), so the words depend on the report's kind; a closed report says
what its outcome means for the resident."""

from django.utils.translation import gettext_lazy as _

from commonground.complaints.models import Kind, Milestone, Outcome

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

COMMENDATION_EXPLANATIONS = {
    Milestone.RECEIVED: _(
        "We have your commendation. We will send it to the officer's commander and add it to "
        "the officer's record."
    ),
}

# What a closed report's outcome means, and what is left for the resident to do.
OUTCOME_EXPLANATIONS = {
    Outcome.SUSTAINED: _(
        "The investigation found that the officer broke a rule. The agency head decides on the "
        "discipline."
    ),
    Outcome.POLICY_FAILURE: _(
        "The investigation found that the officer followed the policy, but the policy itself "
        "needs to change. The agency was asked to change it."
    ),
    Outcome.NOT_SUSTAINED: _(
        "The investigation could not find enough evidence to show whether the officer broke a "
        "rule or not. This does not mean we did not believe you."
    ),
    Outcome.EXONERATED: _(
        "The investigation found that what you described happened, but that the officer acted "
        "within the rules."
    ),
    Outcome.UNFOUNDED: _(
        "The investigation found evidence that what was reported did not happen as described."
    ),
    Outcome.CLOSED_ADMINISTRATIVELY: _(
        "The report was closed without an investigation, for example because the officer no "
        "longer works for the agency or the matter is handled elsewhere."
    ),
    Outcome.MEDIATED: _("You and the officer settled the matter through mediation."),
    Outcome.REFERRED: _(
        "What you reported is handled by another agency, so we passed your report on to them."
    ),
    Outcome.MERGED: _(
        "Your report was combined with another report of the same incident; that report shows "
        "the progress."
    ),
    Outcome.WITHDRAWN: _("You asked us to stop handling this report, so we closed it."),
    Outcome.INSUFFICIENT_INFORMATION: _(
        "We could not investigate, because the report did not tell us enough to find out what "
        "happened: for example which officer it was, or when and where it happened. If you "
        "know more, you can add it to your report, or ask for a review, with your tracking "
        "code: a supervisor will read it and can reopen the case."
    ),
    Outcome.FORWARDED: _(
        "Your commendation was sent to the officer's commander and added to the officer's record."
    ),
}


def explanation(milestone: str, *, kind: str = Kind.COMPLAINT, outcome: str = "") -> str:
    """The words for a report of this kind at this milestone (and, once closed, this outcome)."""
    if milestone == Milestone.CLOSED and outcome in OUTCOME_EXPLANATIONS:
        return OUTCOME_EXPLANATIONS[outcome]
    if kind == Kind.COMMENDATION and milestone in COMMENDATION_EXPLANATIONS:
        return COMMENDATION_EXPLANATIONS[milestone]
    return EXPLANATIONS[milestone]
