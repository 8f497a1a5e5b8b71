"""Cases at each stage, built through the same actions the staff pages use."""

from commonground.complaints.actions import OfficerInput
from commonground.complaints.models import AllegationCategory, Finding, Status
from commonground.complaints.tests.factories import agency_with_officers, file
from commonground.investigations.actions import (
    add_allegation,
    open_case,
    propose_findings,
    review_findings,
    route_case,
    submit_findings,
)
from commonground.investigations.models import Case, ReviewDecision


def triaged_case(supervisor, *, categories=(AllegationCategory.DISCOURTESY,), **report) -> Case:
    """A complaint about one roster officer, opened, with one allegation per category."""
    if "officers" not in report:
        _, _, _, officers = agency_with_officers(2)
        report["officers"] = [OfficerInput(officer_id=officers[0].pk, name_given="Rivera")]
    filed = file(**report)
    case = open_case(report=filed.report, by=supervisor)
    involved = filed.report.officers.first()
    for category in categories:
        add_allegation(case=case, involved=involved, category=category, by=supervisor)
    case.tracking_code = filed.tracking_code  # for status-page tests
    return case


def case_under_investigation(supervisor, investigator, **kwargs) -> Case:
    case = triaged_case(supervisor, **kwargs)
    route_case(case=case, to=Status.INVESTIGATION, by=supervisor, investigator=investigator)
    return case


def case_awaiting_approval(supervisor, investigator, finding=Finding.SUSTAINED, **kwargs) -> Case:
    case = case_under_investigation(supervisor, investigator, **kwargs)
    propose_findings(
        case=case,
        findings={a.pk: (finding, "The video shows it.") for a in case.report.allegations.all()},
        by=investigator,
    )
    submit_findings(case=case, by=investigator)
    return case


def case_at_board(supervisor, investigator, **kwargs) -> Case:
    case = case_awaiting_approval(supervisor, investigator, **kwargs)
    review_findings(case=case, decision=ReviewDecision.APPROVED, comments="", by=supervisor)
    return case
