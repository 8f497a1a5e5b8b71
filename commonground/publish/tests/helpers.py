"""Records to publish, made through the application's own actions."""

from commonground.complaints.actions import OfficerInput
from commonground.complaints.models import Status
from commonground.complaints.tests.factories import file
from commonground.investigations.actions import add_allegation, open_case, transition_case


def complaints(n: int, *, channel: str = "online", district=None, officer=None, **report):
    """`n` complaints received today; with `officer`, each names that roster officer. Any
    channel but online needs `by`, the intake clerk who took them."""
    filed = []
    for _ in range(n):
        if officer is not None:
            report["officers"] = [OfficerInput(officer_id=officer.pk, name_given=officer.last_name)]
        filed.append(file(channel=channel, district_id=district.pk if district else None, **report))
    return [f.report for f in filed]


def with_allegation(report, supervisor, category: str):
    case = open_case(report=report, by=supervisor)
    add_allegation(case=case, involved=report.officers.first(), category=category, by=supervisor)
    return case


def closed(report, supervisor, outcome: str = "insufficient_information"):
    """Closed at triage (the quickest way through the workflow's table)."""
    if report.status == Status.RECEIVED:
        open_case(report=report, by=supervisor)
        report.refresh_from_db()
    return transition_case(report=report, to=Status.CLOSED, by=supervisor, outcome=outcome)
