"""A staff member who is, or commands, an officer named in a case cannot open it: not the page,
not one of its actions, not a list or queue that names it. Its decisions go to someone else."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from commonground.accounts.models import Role
from commonground.accounts.rules import conflicted
from commonground.complaints.actions import OfficerInput
from commonground.complaints.models import Report
from commonground.complaints.selectors import without_conflicts
from commonground.complaints.tests.factories import agency_with_officers, file
from commonground.conftest import make_staff
from commonground.investigations.actions import CaseError, merge_duplicate, review_findings
from commonground.investigations.models import ReviewDecision
from commonground.investigations.selectors import investigator_candidates
from commonground.investigations.tests.helpers import case_awaiting_approval, triaged_case
from commonground.investigations.views import CASE_ACTIONS
from commonground.roster.models import Officer, Unit
from commonground.testing.mfa import confirm_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    """Patrol North (the named officers' unit), commanded by a captain, under the Patrol
    Bureau, under the Office of the Chief; the captain serves in the chief's office, which the
    chief commands."""
    agency, _, patrol, officers = agency_with_officers(2)
    office = Unit.objects.create(agency=agency, name="Office of the Chief")
    bureau = Unit.objects.create(agency=agency, name="Patrol Bureau", parent=office)
    patrol.parent = bureau

    def sworn(first, badge, unit):
        return Officer.objects.create(
            agency=agency, first_name=first, last_name="Sworn", badge_number=badge, unit=unit
        )

    captain, chief = sworn("Cap", "900", office), sworn("Chief", "901", office)
    patrol.commander, office.commander = captain, chief
    patrol.save()
    office.save()
    return {"officers": officers, "captain": captain, "chief": chief, "patrol": patrol}


def linked(username, role, officer):
    user = make_staff(username, role)
    user.officer = officer
    user.save()
    return user


def about(supervisor, officer, **kwargs):
    return triaged_case(supervisor, officers=[OfficerInput(officer_id=officer.pk)], **kwargs)


def test_a_supervisor_commanding_a_named_officer_cannot_open_the_case_or_use_any_action(
    client, supervisor, chain
):
    case = about(supervisor, chain["officers"][0])
    commander = linked("captain", Role.IA_SUPERVISOR, chain["captain"])
    client.force_login(commander)
    confirm_second_factor(client, commander)  # the referral letter asks for it first
    report = case.report_id
    assert client.get(f"/en/staff/cases/{report}/").status_code == 403
    assert client.get(f"/en/staff/cases/{report}/board/").status_code == 403
    assert client.get(f"/en/staff/cases/{report}/referral-letter/").status_code == 403
    for name in CASE_ACTIONS:
        assert client.post(f"/en/staff/cases/{report}/do/{name}/", {}).status_code == 403, name
    reference = case.report.reference
    for path in (
        "/en/staff/cases/",
        f"/en/staff/cases/?officer={chain['officers'][0].badge_number}",
        "/en/staff/queues/triage/",
    ):
        assert reference not in client.get(path).content.decode(), path
    # The same supervisor still works on a case about an officer outside their command.
    elsewhere = about(supervisor, make_unrelated_officer(chain))
    assert client.get(f"/en/staff/cases/{elsewhere.report_id}/").status_code == 200


def make_unrelated_officer(chain):
    other = Unit.objects.create(agency=chain["patrol"].agency, name="Harbour Unit")
    return Officer.objects.create(
        agency=other.agency,
        first_name="Outside",
        last_name="Command",
        badge_number="77",
        unit=other,
    )


def test_an_officer_named_in_a_case_cannot_open_it(client, supervisor, chain):
    case = about(supervisor, chain["officers"][0])
    named = linked("named", Role.INVESTIGATOR, chain["officers"][0])
    client.force_login(named)
    assert client.get(f"/en/staff/cases/{case.report_id}/").status_code == 403
    assert case.report.reference not in client.get("/en/staff/queues/triage/").content.decode()


def test_a_report_not_yet_triaged_is_refused_to_its_officers_commander(client, chain):
    filed = file(officers=[OfficerInput(officer_id=chain["officers"][1].pk)])
    commander = linked("captain", Role.IA_SUPERVISOR, chain["captain"])
    client.force_login(commander)
    assert client.get(f"/en/staff/cases/{filed.report.pk}/").status_code == 403
    assert client.post(f"/en/staff/cases/{filed.report.pk}/do/open/", {}).status_code == 403
    assert filed.report.reference not in client.get("/en/staff/queues/new/").content.decode()


def test_a_conflicted_supervisor_cannot_approve_and_another_supervisor_can(
    supervisor, investigator, chain
):
    case = case_awaiting_approval(
        supervisor, investigator, officers=[OfficerInput(officer_id=chain["officers"][0].pk)]
    )
    commander = linked("captain", Role.IA_SUPERVISOR, chain["captain"])
    with pytest.raises(PermissionDenied):
        review_findings(case=case, decision=ReviewDecision.APPROVED, comments="", by=commander)
    review_findings(case=case, decision=ReviewDecision.APPROVED, comments="", by=supervisor)
    assert case.reviews.get().by == supervisor


def test_a_supervisor_cannot_merge_a_report_into_a_case_they_are_conflicted_on(supervisor, chain):
    commander = linked("captain", Role.IA_SUPERVISOR, chain["captain"])
    target = about(supervisor, chain["officers"][0])
    duplicate = about(supervisor, make_unrelated_officer(chain))
    with pytest.raises(CaseError, match="officer named in it"):
        merge_duplicate(case=duplicate, into=target.report, by=commander)
    assert Report.objects.get(pk=duplicate.report_id).merged_into is None
    merge_duplicate(case=duplicate, into=target.report, by=supervisor)
    assert Report.objects.get(pk=duplicate.report_id).merged_into_id == target.report_id


def test_stage_notices_skip_a_conflicted_supervisor(supervisor, investigator, chain):
    from commonground.investigations.actions import staff_to_notify

    case = about(supervisor, chain["officers"][0])
    commander = linked("captain", Role.IA_SUPERVISOR, chain["captain"])
    assert commander.pk not in staff_to_notify(case, "supervisors")
    assert supervisor.pk in staff_to_notify(case, "supervisors")


def test_an_investigator_who_commands_a_named_officer_cannot_be_assigned(supervisor, chain):
    case = about(supervisor, chain["officers"][0])
    commander = linked("captain", Role.INVESTIGATOR, chain["captain"])
    (candidate,) = [c for c in investigator_candidates(case) if c.user == commander]
    assert any("command" in reason for reason in candidate.conflicts)


def test_the_list_filter_and_the_rule_agree_on_who_is_conflicted(supervisor, chain):
    """`without_conflicts` (lists and queues) is the queryset form of `conflicted` (pages and
    actions): for every user and case they give the same answer."""
    cases = [
        about(supervisor, chain["officers"][0]),
        about(supervisor, chain["captain"]),
        about(supervisor, chain["chief"]),
        about(supervisor, make_unrelated_officer(chain)),
    ]
    Group.objects.get_or_create(name=Role.AGENCY_HEAD)
    users = [
        linked("u-captain", Role.IA_SUPERVISOR, chain["captain"]),
        linked("u-chief", Role.AGENCY_HEAD, chain["chief"]),
        linked("u-named", Role.INVESTIGATOR, chain["officers"][0]),
        linked("u-peer", Role.INVESTIGATOR, chain["officers"][1]),
        supervisor,
    ]
    for user in users:
        listed = set(without_conflicts(user, Report.objects.all()).values_list("pk", flat=True))
        for case in cases:
            assert (case.report_id not in listed) is conflicted(user, case.report), (
                user.username,
                case.report.officers.get().officer.first_name,
            )
    # Spot checks of what the rule says.
    assert [conflicted(users[0], c) for c in cases] == [True, True, False, False]
    # The chief: not the patrol officer's (commanded only through units above), but the
    # captain's (in the office the chief commands) and their own.
    assert [conflicted(users[1], c) for c in cases] == [False, True, True, False]
    assert [conflicted(users[3], c) for c in cases] == [False, False, False, False]


def test_command_from_units_above_is_no_conflict_the_units_own_commander_is(
    client, supervisor, chain
):
    """The chief commands every unit through the ones below the office, and decides discipline
    for the agency: a case about a patrol officer is theirs to see; one about an officer of the
    office they command directly is not."""
    patrol_case = about(supervisor, chain["officers"][0])
    office_case = about(supervisor, chain["captain"])
    chief = linked("chief", Role.IA_SUPERVISOR, chain["chief"])
    client.force_login(chief)

    assert client.get(f"/en/staff/cases/{patrol_case.report_id}/").status_code == 200
    assert client.get(f"/en/staff/cases/{office_case.report_id}/").status_code == 403


def test_evidence_of_a_case_is_withheld_from_a_commander_of_a_named_officer_whatever_their_role(
    client, chain
):
    from django.urls import reverse

    from commonground.complaints.tests.test_intake_views import jpeg_with_gps, upload
    from commonground.evidence.actions import ingest_upload

    photo = ingest_upload(
        upload=upload("p.jpg", jpeg_with_gps()), strip_metadata=True, draft_key="k"
    )
    file(files=[photo], officers=[OfficerInput(officer_id=chain["officers"][0].pk)])
    commander = linked("captain", Role.IA_SUPERVISOR, chain["captain"])
    other = make_staff("other-ia", Role.IA_SUPERVISOR)

    client.force_login(commander)
    assert client.get(reverse("evidence:item_detail", args=[photo.uuid])).status_code == 403
    assert photo.reference not in client.get(reverse("evidence:item_list")).content.decode()
    client.force_login(other)
    assert client.get(reverse("evidence:item_detail", args=[photo.uuid])).status_code == 200
