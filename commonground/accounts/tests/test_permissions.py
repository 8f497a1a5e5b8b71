"""Every role against every staff page built so far, declared once as a table."""

import re
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from commonground.accounts.models import Role
from commonground.accounts.rules import PERMISSIONS, can
from commonground.complaints.tests.factories import file
from commonground.conftest import make_staff
from commonground.investigations.tests.helpers import triaged_case
from commonground.testing.mfa import confirm_second_factor

pytestmark = pytest.mark.django_db

R = Role
CASE_READERS = {
    R.AGENCY_HEAD,
    R.INTAKE_CLERK,
    R.INVESTIGATOR,
    R.IA_SUPERVISOR,
    R.BOARD_MEMBER,
    R.BOARD_STAFF,
    R.ANALYST,
    R.ADMINISTRATOR,
    R.DECISION_ALTERNATE,
}
INTAKE = {R.INTAKE_CLERK, R.IA_SUPERVISOR, R.ADMINISTRATOR}
IA = {R.INVESTIGATOR, R.IA_SUPERVISOR}
BOARD_VIEWERS = {
    R.BOARD_MEMBER,
    R.BOARD_STAFF,
    R.IA_SUPERVISOR,
    R.AGENCY_HEAD,
    R.DECISION_ALTERNATE,
}
# The alternate opens the queue; it lists only the cases every agency head is conflicted on.
DECIDERS = {R.AGENCY_HEAD, R.DECISION_ALTERNATE}
OVERVIEW = {R.IA_SUPERVISOR, R.BOARD_STAFF, R.AGENCY_HEAD, R.ANALYST, R.ADMINISTRATOR}
EVERY_ROLE = set(R.values)
EVIDENCE = {R.INVESTIGATOR, R.IA_SUPERVISOR, R.EVIDENCE_CUSTODIAN}
# Footage on no case: only the roles that hold every item may open it.
ALL_EVIDENCE = {R.IA_SUPERVISOR, R.EVIDENCE_CUSTODIAN}
# Stop analyses are aggregates for those who oversee the agency; the records stay with analysts.
STOP_ANALYSES = {R.ANALYST, R.IA_SUPERVISOR, R.AGENCY_HEAD, R.BOARD_MEMBER, R.BOARD_STAFF}
STOP_RECORDS = {R.ANALYST, R.IA_SUPERVISOR}
# Early intervention: field supervisors see only officers they command (checked in
# early_warning/tests/test_views.py), so on someone else's officer only IA may look.
ALERT_READERS = {R.FIELD_SUPERVISOR, R.IA_SUPERVISOR}

POLICY_KEEPERS = {R.ADMINISTRATOR, R.TRAINING_COORDINATOR, R.COMMUNITY_ENGAGEMENT}
# Calls and letters to residents who chose phone or post: intake, and IA who oversee it.
CORRESPONDENTS = {R.INTAKE_CLERK, R.IA_SUPERVISOR}

# url name -> roles that may open it. Everyone else gets 403; the public is sent to log in.
MATRIX = {
    "staff_home": EVERY_ROLE,
    "investigations:case_list": CASE_READERS,
    "investigations:case_detail": CASE_READERS,
    "investigations:referral_letter": {R.IA_SUPERVISOR},
    "investigations:queues": IA,
    "investigations:queue": IA,
    "investigations:new_reports": IA,
    "investigations:overview": OVERVIEW,
    "oversight:board_home": BOARD_VIEWERS,
    "oversight:meeting_detail": BOARD_VIEWERS,
    "oversight:review_detail": BOARD_VIEWERS,
    "oversight:case_reviews": BOARD_VIEWERS,
    "oversight:decision_queue": DECIDERS,
    "complaints:staff_intake": INTAKE,
    "complaints:staff_officer_search": INTAKE,
    "complaints:staff_badge_check": INTAKE,
    "correspondence:task_list": CORRESPONDENTS,
    "correspondence:task_detail": CORRESPONDENTS,
    "correspondence:letter_pdf": CORRESPONDENTS,
    "roster:officer_list": EVERY_ROLE,
    "roster:officer_detail": EVERY_ROLE,
    "evidence:item_list": EVIDENCE,
    "evidence:import_footage": EVIDENCE,
    "evidence:item_detail": ALL_EVIDENCE,
    "evidence:content": ALL_EVIDENCE,
    "evidence:custody_report": ALL_EVIDENCE,
    "evidence:custody_report_pdf": ALL_EVIDENCE,
    "stops:analysis": STOP_ANALYSES,
    "stops:benchmark": STOP_ANALYSES,
    "stops:veil_of_darkness": STOP_ANALYSES,
    "stops:outcomes": STOP_ANALYSES,
    "stops:batch_list": STOP_RECORDS,
    "stops:batch_detail": STOP_RECORDS,
    "stops:batch_report": STOP_RECORDS,
    "stops:incident_list": STOP_RECORDS,
    "stops:incident_detail": STOP_RECORDS,
    "early_warning:alert_list": ALERT_READERS,
    "early_warning:alert_detail": {R.IA_SUPERVISOR},
    "early_warning:officer_record": {R.IA_SUPERVISOR},
    "early_warning:my_record": EVERY_ROLE,
    "early_warning:report": {R.IA_SUPERVISOR, R.ANALYST, R.AGENCY_HEAD},
    "training:policy_list": POLICY_KEEPERS,
    "training:policy_new": POLICY_KEEPERS,
    "training:policy_detail": POLICY_KEEPERS,
    "training:version_new": POLICY_KEEPERS,
    "training:version_edit": POLICY_KEEPERS,
    "admin:index": {R.ADMINISTRATOR},
}
# POST-only pages, checked by their own tests below.
POST_ONLY = {
    "evidence:download",
    "evidence:export",
    "stops:withdraw",
    # correspondence/tests/test_views.py::test_other_roles_cannot_record_anything, and
    # test_routes.py's STAFF_POSTS.
    "correspondence:record_call",
    "correspondence:letter_posted",
    "correspondence:letter_returned",
}
# A person's own uploads in pieces (JSON; 404 for anyone else's, whatever the role), checked role
# by role in evidence/tests/test_resumable.py.
OWN_UPLOADS = {"evidence:start_upload", "evidence:upload_status", "evidence:upload_chunk"}


def url_for(name, objects):
    from django.urls import reverse

    return reverse(name, args=objects.get(name, []))


def test_every_staff_url_is_in_the_matrix():
    staff_names = set()
    from commonground.complaints import urls as complaint_urls
    from commonground.correspondence import urls as correspondence_urls
    from commonground.early_warning import urls as early_warning_urls
    from commonground.evidence import urls as evidence_urls
    from commonground.investigations import urls as investigation_urls
    from commonground.oversight import urls as oversight_urls
    from commonground.roster import urls as roster_urls
    from commonground.stops import urls as stop_urls
    from commonground.training import urls as training_urls

    modules = (
        (complaint_urls, "complaints"),
        (roster_urls, "roster"),
        (investigation_urls, "investigations"),
        (oversight_urls, "oversight"),
        (evidence_urls, "evidence"),
        (stop_urls, "stops"),
        (early_warning_urls, "early_warning"),
        (training_urls, "training"),
        (correspondence_urls, "correspondence"),
    )
    for module, namespace in modules:
        for pattern in module.urlpatterns:
            if str(pattern.pattern).startswith("staff/") and "/do/" not in str(pattern.pattern):
                staff_names.add(f"{namespace}:{pattern.name}")
    staff_names.add("staff_home")
    checked = set(MATRIX) | POST_ONLY | OWN_UPLOADS
    assert staff_names <= checked, staff_names - checked


class _Undone(Exception):
    pass


@contextmanager
def undone():
    """Runs the block in a savepoint rolled back afterwards, so each role's request meets the
    same objects (built once per test: building them for every role and page took most of the
    suite's time)."""
    try:
        with transaction.atomic():
            yield
            raise _Undone
    except _Undone:
        pass


def signed_in(client, role, name=None):
    user = make_staff(f"u-{role}-{name or ''}"[:150], role)
    if role == R.ADMINISTRATOR:
        user.is_staff = user.is_superuser = True
        user.save()
    client.force_login(user)
    confirm_second_factor(client, user)  # sudo-mode pages are tested on their own
    return user


@pytest.mark.parametrize("role", [None, *sorted(EVERY_ROLE)])
def test_role_against_every_url(client, objects, role):
    """Every page of the matrix: 200 for its roles, 403 for the rest (the admin's index sends
    them to its own sign-in), and the public is sent to sign in."""
    if role is not None:
        signed_in(client, role)
    misfits = []
    for name, roles in MATRIX.items():
        response = client.get(url_for(name, objects))
        if role is None:
            if response.status_code != 302 or "/login/" not in response["Location"]:
                misfits.append((name, response.status_code))
            continue
        expected = 200 if role in roles else (302 if name == "admin:index" else 403)
        if response.status_code != expected:
            misfits.append((name, response.status_code, expected))
    assert not misfits, (role, misfits)


def test_staff_without_a_second_factor_must_enrol_before_anything_else(client):
    user = make_staff("new", R.INTAKE_CLERK, mfa=False)
    client.force_login(user)
    response = client.get("/en/staff/cases/")
    assert response.status_code == 302
    assert "/accounts/2fa/totp/activate/" in response["Location"]
    # Enrolment (and the password re-check it may ask for) stays reachable.
    assert client.get(response["Location"], follow=True).status_code == 200


def test_rules_refuse_anonymous_and_inactive_users(db):
    user = make_staff("gone", R.ADMINISTRATOR)
    user.is_active = False
    assert not can(AnonymousUser(), "staff.access")
    assert not can(user, "staff.access")
    with pytest.raises(KeyError):
        can(user, "no.such.permission")


def test_personal_data_is_shown_only_to_roles_that_need_it(client):
    """Before triage: intake and IA supervisors; no investigator is assigned yet, so none reads
    it (investigations/tests/test_need_to_know.py covers every later stage and field)."""
    report = file(contact={"name": "Maria Lopez", "email": "maria@example.org"}).report
    for role, sees in [
        (R.INTAKE_CLERK, True),
        (R.IA_SUPERVISOR, True),
        (R.INVESTIGATOR, False),
        (R.ADMINISTRATOR, False),
        (R.AGENCY_HEAD, False),
        (R.BOARD_MEMBER, False),
        (R.ANALYST, False),
    ]:
        client.force_login(make_staff(f"p-{role}", role))
        body = client.get(f"/en/staff/cases/{report.pk}/").content.decode()
        assert ("Maria Lopez" in body) is sees, role
        assert ("Main St &amp; 3rd Ave" in body) is sees, role


def test_every_permission_names_known_roles():
    for roles in PERMISSIONS.values():
        assert roles <= EVERY_ROLE


# Every form on the case page (POST .../do/<name>/) -> roles that may use it on a case they are
# not assigned to. Everyone else gets 403 and nothing changes.
CASE_ACTION_MATRIX = {
    "open": {R.IA_SUPERVISOR},
    "forward": {R.IA_SUPERVISOR},
    "identify": {R.IA_SUPERVISOR},
    "add_officer": {R.IA_SUPERVISOR},
    "allegation": {R.IA_SUPERVISOR},
    "remove_allegation": {R.IA_SUPERVISOR},
    "merge": {R.IA_SUPERVISOR},
    "route": {R.IA_SUPERVISOR},
    "close": {R.IA_SUPERVISOR},
    "assign": {R.IA_SUPERVISOR},
    "pause": {R.IA_SUPERVISOR},
    "resume": {R.IA_SUPERVISOR},
    "log": {R.IA_SUPERVISOR},
    "findings": {R.IA_SUPERVISOR},
    "submit": {R.IA_SUPERVISOR},
    "review": {R.IA_SUPERVISOR},
    "footage": {R.IA_SUPERVISOR},
    "find_footage": {R.IA_SUPERVISOR},
}
# ...and those the assigned investigator may use on their own case.
OWN_CASE_ACTIONS = {
    "add_officer",
    "allegation",
    "remove_allegation",
    "log",
    "findings",
    "submit",
    "footage",
    "find_footage",
}


def test_every_case_action_is_in_the_matrix():
    from commonground.investigations.views import CASE_ACTIONS

    assert set(CASE_ACTIONS) == set(CASE_ACTION_MATRIX)
    assert set(CASE_ACTIONS) >= OWN_CASE_ACTIONS


def _report_for_action(name, supervisor):
    from commonground.complaints.models import Status
    from commonground.investigations.views import CASE_ACTIONS

    action = CASE_ACTIONS[name]
    if Status.RECEIVED in action.statuses:
        return file(kind=action.kind or "complaint").report
    case = triaged_case(supervisor)
    if Status.TRIAGE not in action.statuses:
        from commonground.investigations.actions import route_case

        route_case(case=case, to="investigation", by=supervisor)
    return case.report


@pytest.mark.parametrize("name", sorted(CASE_ACTION_MATRIX))
def test_role_against_case_action(client, supervisor, name):
    from commonground.complaints.models import Report

    report = _report_for_action(name, supervisor)
    before = Report.objects.get(pk=report.pk).status
    misfits = []
    for role in sorted(EVERY_ROLE):
        with undone():
            client.force_login(make_staff(f"a-{role}", role))
            response = client.post(f"/en/staff/cases/{report.pk}/do/{name}/", {})
            if role in CASE_ACTION_MATRIX[name]:
                if response.status_code == 403:
                    misfits.append((role, 403))
            elif response.status_code != 403:
                misfits.append((role, response.status_code))
            elif Report.objects.get(pk=report.pk).status != before:
                misfits.append((role, "the case moved"))
    assert not misfits, (name, misfits)


@pytest.mark.parametrize("name", sorted(OWN_CASE_ACTIONS))
def test_the_assigned_investigator_works_on_their_own_case_only(client, supervisor, name):
    from commonground.investigations.actions import assign_investigator

    owner = make_staff("owner", R.INVESTIGATOR)
    report = _report_for_action(name, supervisor)
    assign_investigator(case=report.case, investigator=owner, by=supervisor)
    client.force_login(owner)
    assert client.post(f"/en/staff/cases/{report.pk}/do/{name}/", {}).status_code != 403
    client.force_login(make_staff("not-owner", R.INVESTIGATOR))
    assert client.post(f"/en/staff/cases/{report.pk}/do/{name}/", {}).status_code == 403


def test_the_reporters_own_words_are_shown_only_to_roles_that_handle_personal_data(client):
    report = file(narrative="Officer Smith grabbed my arm outside 12 Elm Street.").report
    for role, sees in [(R.INVESTIGATOR, False), (R.BOARD_MEMBER, False), (R.ANALYST, False)]:
        client.force_login(make_staff(f"n-{role}", role))
        body = client.get(f"/en/staff/cases/{report.pk}/").content.decode()
        assert ("12 Elm Street" in body) is sees, role


# Every form of the board's pages -> roles that are not refused outright (403). Votes and
# recusals are open to every viewer of the review so a non-member gets a specific message (400).
BOARD_POSTS = {
    ("oversight:schedule_meeting", ""): {R.BOARD_STAFF},
    ("oversight:meeting_action", "agenda"): {R.BOARD_STAFF},
    ("oversight:meeting_action", "held"): {R.BOARD_STAFF},
    ("oversight:meeting_action", "remove"): {R.BOARD_STAFF},
    ("oversight:review_action", "vote"): BOARD_VIEWERS,
    ("oversight:review_action", "recuse"): BOARD_VIEWERS,
    ("oversight:review_action", "recommend"): {R.BOARD_STAFF},
    ("oversight:review_action", "close"): {R.BOARD_STAFF},
    ("oversight:review_action", "more"): {R.BOARD_STAFF},
    # The alternate decides where no active agency head may (here there is none at all).
    ("oversight:decide", ""): DECIDERS,
}


def test_every_board_form_is_in_the_matrix():
    from commonground.oversight import urls, views

    posts = {f"oversight:{p.name}" for p in urls.urlpatterns if "/do/" in str(p.pattern)}
    assert posts == {name for name, _action in BOARD_POSTS}
    declared = {("oversight:review_action", n) for n in views.REVIEW_ACTIONS} | {
        ("oversight:meeting_action", n) for n in views.MEETING_ACTIONS
    }
    assert declared <= set(BOARD_POSTS)


@pytest.mark.parametrize("role", sorted(EVERY_ROLE))
def test_role_against_board_form(client, objects, role):
    from django.urls import reverse

    client.force_login(make_staff(f"b-{role}", role))
    misfits = []
    for post in sorted(BOARD_POSTS):
        name, action = post
        args = {
            "oversight:meeting_action": [objects["oversight:meeting_detail"][0], action],
            "oversight:review_action": [objects["oversight:review_detail"][0], action],
            "oversight:decide": objects["oversight:case_reviews"],
        }.get(name, [])
        with undone():
            refused = client.post(reverse(name, args=args), {}).status_code == 403
        if refused == (role in BOARD_POSTS[post]):
            misfits.append((post, "refused" if refused else "not refused"))
    assert not misfits, (role, misfits)


# Every form on an evidence item's page, and the download -> roles that may use it on footage
# that is on no case. Everyone else gets 403 and the item's chain does not grow.
ITEM_ACTION_MATRIX = {
    "download": ALL_EVIDENCE,
    "export": {R.IA_SUPERVISOR, R.EVIDENCE_CUSTODIAN},
    "share": {R.IA_SUPERVISOR, R.EVIDENCE_CUSTODIAN},
    "verify": ALL_EVIDENCE,
    "hold": {R.IA_SUPERVISOR, R.EVIDENCE_CUSTODIAN},
    "release": {R.IA_SUPERVISOR, R.EVIDENCE_CUSTODIAN},
    "retention": {R.IA_SUPERVISOR, R.EVIDENCE_CUSTODIAN},
    "redact": {R.IA_SUPERVISOR},
    "attach_redaction": {R.IA_SUPERVISOR},
    "dispose": {R.EVIDENCE_CUSTODIAN},
}


def test_every_item_action_is_in_the_matrix():
    from commonground.evidence.views import ITEM_ACTIONS

    assert set(ITEM_ACTIONS) | {"download", "export"} == set(ITEM_ACTION_MATRIX)


@pytest.mark.parametrize("name", sorted(ITEM_ACTION_MATRIX))
def test_role_against_item_action(client, name):
    from commonground.evidence.actions import place_hold
    from commonground.evidence.tests.helpers import footage

    custodian = make_staff("cust-a", R.EVIDENCE_CUSTODIAN)
    item = footage(custodian)
    if name == "release":
        place_hold(item=item, by=custodian, matter="Doe v. City", reason="Notice")
    events = item.custody.count()
    path = (
        f"/en/staff/evidence/{item.uuid}/{name}/"
        if name in ("download", "export")
        else f"/en/staff/evidence/{item.uuid}/do/{name}/"
    )
    misfits = []
    for role in sorted(EVERY_ROLE):
        with undone():
            client.force_login(make_staff(f"i-{role}", role))
            response = client.post(path, {})
            if role in ITEM_ACTION_MATRIX[name]:
                if response.status_code == 403:
                    misfits.append((role, 403))
            elif response.status_code != 403:
                misfits.append((role, response.status_code))
            elif item.custody.count() != events:
                misfits.append((role, "the chain grew"))
    assert not misfits, (name, misfits)


# --- results: survey margins, weighting, results pages and the estimates' CSV ---------------
SURVEY_RESULTS = {R.COMMUNITY_ENGAGEMENT, R.ANALYST, R.AGENCY_HEAD}
SURVEY_WEIGHTERS = {R.ANALYST}
RESULTS_MATRIX = {
    "surveys:results_margins": SURVEY_WEIGHTERS,
    "surveys:results_waves": SURVEY_RESULTS,
    "surveys:results_wave": SURVEY_RESULTS,
    "surveys:results_csv": SURVEY_RESULTS,
}
MATRIX.update(RESULTS_MATRIX)
# test_routes.py's STAFF_POSTS, and surveys/tests/test_views_results.py.
POST_ONLY.add("surveys:results_weigh")


def test_every_results_url_is_in_the_matrix():
    from commonground.surveys import urls

    names = {f"surveys:{p.name}" for p in urls.urlpatterns if (p.name or "").startswith("results_")}
    assert names == set(RESULTS_MATRIX) | {"surveys:results_weigh"}


def test_the_results_pages_are_in_the_matrix_every_role_is_tried_against():
    assert set(RESULTS_MATRIX).issubset(MATRIX)


# --- publish: survey quotes (surveys/tests/test_quotes.py checks each action role by role) ---
SURVEY_REDACTORS = {R.COMMUNITY_ENGAGEMENT, R.ANALYST}
MATRIX["surveys:publish_quotes"] = SURVEY_REDACTORS


def test_every_publish_area_staff_url_is_in_the_tables():
    from commonground.accounts.tests.test_routes import STAFF_POSTS
    from commonground.surveys import urls as survey_urls

    names = {
        f"surveys:{p.name}"
        for p in survey_urls.urlpatterns
        if p.name.startswith("publish_") and str(p.pattern).startswith("staff/")
    }
    assert names <= set(MATRIX) | set(STAFF_POSTS), names - set(MATRIX) - set(STAFF_POSTS)


# --- phone: telephone interviewing and paper entry ------------------------------------------

# Interviewers (and community-engagement officers, who run the survey) work phone samples and
# type in paper questionnaires; the staff who draw samples import the numbers.
PHONE_INTERVIEWERS = {R.INTERVIEWER, R.COMMUNITY_ENGAGEMENT}
PHONE_SAMPLERS = {R.COMMUNITY_ENGAGEMENT, R.ANALYST}
PAPER_ENTRY = {R.INTERVIEWER, R.COMMUNITY_ENGAGEMENT}
MATRIX.update(
    {
        "surveys:phone_queue": PHONE_INTERVIEWERS,
        "surveys:phone_samples": PHONE_SAMPLERS,
        "surveys:phone_sample": PHONE_SAMPLERS,
        "surveys:paper_waves": PAPER_ENTRY,
        "surveys:paper_entry": PAPER_ENTRY,
    }
)
# POST-only: test_routes.py's STAFF_POSTS declares who may use them.
POST_ONLY |= {
    "surveys:phone_next",
    "surveys:phone_max_attempts",
    "surveys:phone_erase",
    "surveys:phone_call",
    "surveys:phone_hand_back",
}
# Pages of one case, open only to the interviewer holding it (404 for anyone else with the
# role): test_a_case_is_open_only_to_the_interviewer_holding_it below.
PHONE_HOLDER_PAGES = {"surveys:phone_case", "surveys:phone_interview"}


def test_every_phone_and_paper_url_is_declared():
    from commonground.surveys import urls

    names = {
        f"surveys:{p.name}" for p in urls.urlpatterns if p.name.startswith(("phone_", "paper_"))
    }
    assert names == (set(MATRIX) | POST_ONLY | PHONE_HOLDER_PAGES) & names
    assert names >= PHONE_HOLDER_PAGES | {"surveys:phone_queue", "surveys:paper_entry"}


@pytest.mark.parametrize("role", sorted(EVERY_ROLE))
def test_a_case_is_open_only_to_the_interviewer_holding_it(client, role):
    from django.urls import reverse

    from commonground.surveys.actions import take_next_phone_case
    from commonground.surveys.tests.phone_helpers import E164, phone_wave

    wave, _cases = phone_wave(make_staff("sampler", R.ANALYST))
    holder = make_staff("holder", R.INTERVIEWER)
    case = take_next_phone_case(wave=wave, by=holder)
    pages = [
        reverse("surveys:phone_case", args=[case.pk]),
        reverse("surveys:phone_interview", args=[case.pk, 1]),
    ]
    client.force_login(holder)
    for path in pages:
        assert client.get(path).status_code == 200, path
    assert E164[0][2:5] in client.get(pages[0]).content.decode()
    client.force_login(make_staff(f"o-{role}", role))
    for path in pages:
        response = client.get(path)
        expected = 404 if role in PHONE_INTERVIEWERS else 403
        assert response.status_code == expected, (role, path)
        # No number of the wave's, in any format ("555" alone turns up in random tokens).
        assert not re.search(r"555\D?010\d", response.content.decode())


# --- sample: address lists, samples, letters, open link (surveys.sample) ---------------------

SAMPLERS = {R.COMMUNITY_ENGAGEMENT, R.ANALYST}
MATRIX.update(
    {
        "surveys:sample_overview": SAMPLERS,
        "surveys:sample_frame_import": SAMPLERS,
        "surveys:sample_frame_detail": SAMPLERS,
        "surveys:sample_draw": SAMPLERS,
        "surveys:sample_open_link": SAMPLERS,
        "surveys:sample_detail": SAMPLERS,
    }
)
# --- online: the resident's survey pages are the same for everyone -----------------------------
# They are resident pages (web.resident): no role opens more of them, and a signed-in staff
# member's session is neither read nor shown there (a staff member answers as anyone does).


@pytest.mark.parametrize("role", [None, *sorted(EVERY_ROLE)])
def test_every_role_sees_the_survey_pages_as_a_resident_does(client, role):
    from commonground.surveys.tests.factories import make_wave

    make_wave()
    if role is not None:
        user = make_staff(f"s-{role}", role)
        client.force_login(user)
        confirm_second_factor(client, user)
    for path in ("/en/survey/", "/en/survey/trust/"):
        response = client.get(path)
        assert response.status_code == 200, (role, path)
        assert "Sign out" not in response.content.decode(), (role, path)
    started = client.post("/en/survey/trust/")
    assert started["Location"] == "/en/survey/questions/1/", role
    assert client.get(started["Location"]).status_code == 200, role


# --- form: questionnaires, the question bank, XLSForm and waves (surveys.design) -----------

SURVEY_DESIGNERS = {R.COMMUNITY_ENGAGEMENT, R.ANALYST}
FORM_MATRIX = {
    f"surveys:{name}": SURVEY_DESIGNERS
    for name in (
        "form_survey_list",
        "form_survey_new",
        "form_survey_detail",
        "form_instrument_new",
        "form_instrument_bank",
        "form_instrument_import",
        "form_instrument_detail",
        "form_instrument_xlsform",
        "form_question_new",
        "form_question_edit",
        "form_list_new",
        "form_list_edit",
        "form_wave_new",
        "form_wave_detail",
    )
}
MATRIX.update(FORM_MATRIX)
# POST-only forms of the builder and the waves: test_routes.py's STAFF_POSTS.
FORM_POSTS = {
    f"surveys:{name}": SURVEY_DESIGNERS
    for name in (
        "form_instrument_copy",
        "form_question_move",
        "form_question_delete",
        "form_list_delete",
        "form_wave_status",
    )
}
POST_ONLY.update(FORM_POSTS)


def test_every_form_staff_url_is_in_the_matrix():
    from commonground.surveys import urls as survey_urls

    names = {
        f"surveys:{pattern.name}"
        for pattern in survey_urls.urlpatterns
        if pattern.name and pattern.name.startswith("form_")
    }
    assert names == set(FORM_MATRIX) | set(FORM_POSTS)
    assert set(FORM_MATRIX).issubset(MATRIX)  # every role is tried against them there


@pytest.mark.parametrize("role", sorted(EVERY_ROLE))
def test_role_against_form_post(client, objects, role):
    from commonground.surveys.models import Instrument, Question, Wave

    def state():
        return (
            Instrument.objects.count(),
            list(Question.objects.order_by("pk").values_list("pk", "position", "page")),
            list(Wave.objects.values_list("status", flat=True)),
        )

    before = state()
    client.force_login(make_staff(f"fp-{role}", role))
    data = {"direction": "down", "to": "open"}
    misfits = []
    for name in sorted(FORM_POSTS):
        with undone():
            response = client.post(url_for(name, objects), data)
            if role in FORM_POSTS[name]:
                if response.status_code != 302:
                    misfits.append((name, response.status_code))
            elif response.status_code != 403:
                misfits.append((name, response.status_code))
            elif state() != before:
                misfits.append((name, "something changed"))
    assert not misfits, (role, misfits)


# --- focus: focus-group pages (surveys.focus_groups) ---------------------------------------
# Sessions, their notes and coded passages are staff-only words: community engagement and
# analysts keep them. Interviewers, the agency head and everyone else are refused.
FOCUS_GROUP_STAFF = {R.COMMUNITY_ENGAGEMENT, R.ANALYST}
FOCUS_PAGES = {
    "surveys:focus_home",
    "surveys:focus_new",
    "surveys:focus_themes",
    "surveys:focus_compare",
    "surveys:focus_detail",
    "surveys:focus_edit",
    "surveys:focus_theme_edit",
}
# POST-only forms of those pages (test_routes.py's STAFF_POSTS checks them role by role).
FOCUS_POSTS = {"surveys:focus_add_participant", "surveys:focus_code", "surveys:focus_uncode"}
MATRIX.update(dict.fromkeys(sorted(FOCUS_PAGES), FOCUS_GROUP_STAFF))


def test_every_focus_group_url_is_declared():
    from commonground.surveys import urls as survey_urls

    names = {
        f"surveys:{p.name}" for p in survey_urls.urlpatterns if (p.name or "").startswith("focus_")
    }
    assert names == FOCUS_PAGES | FOCUS_POSTS
    assert set(MATRIX) >= FOCUS_PAGES


@pytest.mark.parametrize("role", sorted(EVERY_ROLE))
def test_role_against_focus_group_form(client, objects, role):
    from commonground.surveys.models import CodedExcerpt, Participant

    before = (Participant.objects.count(), CodedExcerpt.objects.count())
    user = make_staff(f"f-{role}", role)
    client.force_login(user)
    confirm_second_factor(client, user)
    misfits = []
    for name in sorted(FOCUS_POSTS):
        with undone():
            response = client.post(url_for(name, objects), {})
            if role in FOCUS_GROUP_STAFF:
                if response.status_code == 403:
                    misfits.append((name, 403))
            elif response.status_code != 403:
                misfits.append((name, response.status_code))
            elif (Participant.objects.count(), CodedExcerpt.objects.count()) != before:
                misfits.append((name, "something was stored"))
    assert not misfits, (role, misfits)
