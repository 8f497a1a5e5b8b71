"""Every route of the application, every verb, every role (ASVS 8.2): each route is declared
here (or in test_permissions.py's tables) with who may use it, so a new route that nobody
declared fails the build. The same walk checks the security headers of every response."""

import importlib
import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from commonground.accounts.models import Role
from commonground.accounts.tests.test_permissions import (
    BOARD_POSTS,
    CORRESPONDENTS,
    EVERY_ROLE,
    MATRIX,
    OWN_UPLOADS,
    POLICY_KEEPERS,
    POST_ONLY,
    R,
)
from commonground.conftest import make_staff
from commonground.testing.mfa import confirm_second_factor

pytestmark = pytest.mark.django_db

# Open to everyone for reading; writing to them is refused (405).
PUBLIC_PAGES = {
    "health",
    "home",
    "complaints:officer_lookup",
    "oversight:public_meetings",
    "oversight:public_minutes",
    "publish-policies",
    "publish-policy",
    "publish-policy-version",
    "publish-policy-pdf",
    "publish-figures",
    "publish-dashboard",
    "publish-catalogue",
    "publish-dataset",
    "publish-download",
    "publish-api-schema",
    "publish-api-docs",
    "publish-api-redoc",
}
# The API's datasets are added below from the URL configuration (publish-api-*).
# The resident's forms: open to everyone, GET and POST (complaints/tests cover their content).
RESIDENT_FORMS = {
    "complaints:start",
    "complaints:officers",
    "complaints:people",
    "complaints:files",
    "complaints:review",
    "complaints:submit",
    "complaints:step",
    "complaints:received",
    "complaints:status",
    "complaints:status_report",
    "complaints:add_information",
    "complaints:ask_for_review",
    "complaints:forget_report",
}
# Staff forms (POST only) with the roles that are not refused outright, beyond those with
# tables of their own in test_permissions.py (case actions, board forms, evidence item actions).
STAFF_POSTS = {
    "stops:withdraw": {R.ANALYST, R.IA_SUPERVISOR},
    "early_warning:review": {R.IA_SUPERVISOR},
    "early_warning:intervention": {R.IA_SUPERVISOR},
    "early_warning:follow_up": {R.IA_SUPERVISOR},
    "training:policy_retire": POLICY_KEEPERS,
    "training:version_publish": POLICY_KEEPERS,
    "correspondence:record_call": CORRESPONDENTS,
    "correspondence:letter_posted": CORRESPONDENTS,
    "correspondence:letter_returned": CORRESPONDENTS,
}
# POST-only routes whose role tables live in test_permissions.py (and evidence/tests for uploads).
COVERED_ELSEWHERE = {
    "investigations:case_action",  # test_role_against_case_action (and owner/not owner)
    "evidence:item_action",  # test_role_against_item_action
    *{name for name, _ in BOARD_POSTS},  # test_role_against_board_form
    *POST_ONLY,
    *OWN_UPLOADS,  # evidence/tests/test_resumable.py: 404 for anyone else's upload
}
# Object rules narrow a permission to the object's owner; each has its owner/not-owner test.
OWNER_TESTS = {
    "investigations.investigate": (
        "commonground.accounts.tests.test_permissions",
        "test_the_assigned_investigator_works_on_their_own_case_only",
    ),
    # Personal data: the assigned investigator (owner) and not another investigator.
    "complaints.view_personal_data": (
        "commonground.investigations.tests.test_need_to_know",
        "test_the_assigned_investigator_and_ia_supervisors_read_everything",
    ),
    # Conflicts: the same supervisor opens a case outside their command and not one inside it.
    **{
        permission: (
            "commonground.investigations.tests.test_conflicts",
            "test_a_supervisor_commanding_a_named_officer_cannot_open_the_case_or_use_any_action",
        )
        for permission in (
            "complaints.view_cases",
            "investigations.triage",
            "investigations.assign",
            "investigations.toll",
            "oversight.view",
        )
    },
    "oversight.decide": (
        "commonground.oversight.tests.test_alternate",
        "test_the_conflicted_head_neither_sees_nor_decides_and_the_alternate_does",
    ),
    "investigations.approve": (
        "commonground.investigations.tests.test_actions",
        "test_nobody_approves_their_own_findings",
    ),
    "correspondence.contact": (
        "commonground.correspondence.tests.test_views",
        "test_staff_named_in_the_case_neither_see_nor_open_its_task",
    ),
    "early_warning.review": (
        "commonground.early_warning.tests.test_views",
        "test_the_supervisor_sees_their_officers_alerts_and_no_one_elses",
    ),
}


def all_routes():
    """(name, sample path, view module) for every URL pattern, with sample values for its
    parameters (an object of the `objects` fixture is filled in later where one is needed)."""

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, prefix + str(pattern.pattern), pattern.callback.__module__

    for name, route, module in walk(get_resolver().url_patterns, "", None):
        yield name, route.replace("^", "").replace("$", ""), module


def is_admin(module, name):
    return (name or "").startswith("admin:") or module.startswith("django.contrib.admin")


def is_sign_in(module):
    return module.startswith("allauth.")


def declared(name):
    return (
        name in PUBLIC_PAGES
        or (name or "").startswith("publish-api-")
        or name in RESIDENT_FORMS
        or name in MATRIX
        or name in STAFF_POSTS
        or name in COVERED_ELSEWHERE
    )


def test_every_route_is_declared_with_who_may_use_it():
    undeclared = [
        (name, route)
        for name, route, module in all_routes()
        if not (is_admin(module, name) or is_sign_in(module) or declared(name))
    ]
    assert not undeclared, f"declare these routes in accounts/tests/test_routes.py: {undeclared}"


def test_every_object_rule_has_an_owner_and_not_owner_test():
    from commonground.accounts.rules import OBJECT_RULES

    assert set(OBJECT_RULES) == set(OWNER_TESTS)
    for module, test in OWNER_TESTS.values():
        assert callable(getattr(importlib.import_module(module), test)), test


SAMPLES = {
    "slug": "complaints",
    "step": "kind",
    "fmt": "csv",
    "number": "1",
    "name": "log",
    "uuid": str(uuid.UUID(int=7)),
    "object_id": "1",
    "content_type_id": "1",
    "id": "1",
    "pk": "1",
}


def sample_path(route: str, values: dict) -> str:
    """The route with each parameter replaced by a sample (or the given value)."""

    def converter(match):
        return str(values.get(match.group(2), SAMPLES.get(match.group(2), "1")))

    path = re.sub(r"<(?:(\w+):)?(\w+)>", converter, route)
    # Regex routes (the admin's app index): the first alternative of each named group.
    path = re.sub(r"\(\?P<\w+>([^|)]*)[^)]*\)", r"\1", path)
    return "/" + path


def values_for(name: str, objects: dict) -> dict:
    by_name = {
        "investigations:case_action": {"pk": objects["investigations:case_detail"][0]},
        "oversight:meeting_action": {
            "pk": objects["oversight:meeting_detail"][0],
            "name": "agenda",
        },
        "oversight:review_action": {"pk": objects["oversight:review_detail"][0], "name": "vote"},
        "oversight:decide": {"pk": objects["oversight:case_reviews"][0]},
        "oversight:public_minutes": {"pk": objects["oversight:meeting_detail"][0]},
        "stops:withdraw": {"pk": objects["stops:batch_detail"][0]},
        "early_warning:review": {"pk": objects["early_warning:alert_detail"][0]},
        "early_warning:intervention": {"pk": objects["early_warning:alert_detail"][0]},
        "training:policy_retire": {"pk": objects["training:policy_detail"][0]},
        "training:version_publish": {"pk": objects["training:version_edit"][0]},
        **{
            f"correspondence:{name}": {"pk": objects["correspondence:task_detail"][0]}
            for name in ("record_call", "letter_posted", "letter_returned")
        },
        "evidence:item_action": {"uuid": objects["evidence:item_detail"][0], "name": "verify"},
        "evidence:download": {"uuid": objects["evidence:item_detail"][0]},
        "evidence:export": {"uuid": objects["evidence:item_detail"][0]},
    }
    if name in by_name:
        return by_name[name]
    args = objects.get(name, [])
    return {"pk": args[0], "uuid": args[0], "name": args[0]} if args else {}


def routes_of(kind, objects):
    for name, route, module in all_routes():
        if kind(name, module):
            yield name, sample_path(route, values_for(name, objects))


def user_with(client, role: str | None):
    if role is None:
        client.logout()
        return None
    user = make_staff(f"r-{role}-{uuid.uuid4().hex[:6]}", role)
    if role == R.ADMINISTRATOR:
        user.is_staff = user.is_superuser = True
        user.save()
    client.force_login(user)
    confirm_second_factor(client, user)  # sudo-mode pages are tested on their own
    return user


def assert_security_headers(response, path):
    csp = response.get("Content-Security-Policy", "")
    if "default-src 'none'" not in csp:  # stricter still: files served with no script at all
        scripts = csp.split("script-src")[1].split(";")[0] if "script-src" in csp else ""
        assert "script-src 'self'" in csp and "unsafe-inline" not in scripts, path
    assert "frame-ancestors 'none'" in csp, path
    assert response["X-Content-Type-Options"] == "nosniff", path
    assert response["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin"), path
    assert response["X-Frame-Options"] == "DENY", path


def assert_not_stored(response, path):
    cache_control = response.get("Cache-Control", "")
    assert "no-store" in cache_control and "public" not in cache_control, path


def test_public_pages_answer_everyone_refuse_writes_and_carry_the_headers(client, objects):
    for _name, path in routes_of(
        lambda n, m: n in PUBLIC_PAGES or (n or "").startswith("publish-api-"), objects
    ):
        response = client.get(path, secure=True)
        assert response.status_code in (200, 301, 302, 304, 404, 503), (path, response.status_code)
        assert_security_headers(response, path)
        assert (
            int(response["Strict-Transport-Security"].split("max-age=")[1].split(";")[0])
            >= 31536000
        )
        written = client.post(path, {}, secure=True)
        assert written.status_code == 405, (path, written.status_code)


def test_resident_forms_are_never_cached(client, objects):
    from commonground.complaints.tests.test_intake_views import walk_to

    walk_to(client, "what")
    for _name, path in routes_of(lambda n, m: n in RESIDENT_FORMS, objects):
        for response in (client.get(path), client.post(path, {})):
            assert response.status_code < 500, path
            assert_security_headers(response, path)
            assert_not_stored(response, path)


@pytest.mark.parametrize("role", [None, *sorted(EVERY_ROLE)])
def test_every_staff_page_every_verb_every_role(client, objects, role):
    """GET: the roles in MATRIX get 200, the rest 403 (the public: sign-in). POST to a page:
    never a success for a role that may not read it. GET on a form's target: 405 or refused.
    Every answer to a signed-in user is marked never to be stored."""
    user_with(client, role)
    pages = dict(routes_of(lambda n, m: n in MATRIX, objects))
    posts = dict(routes_of(lambda n, m: n in STAFF_POSTS or n in COVERED_ELSEWHERE, objects))
    for name, path in pages.items():
        allowed = role in MATRIX[name]
        for method in ("get", "post"):
            response = getattr(client, method)(path, {})
            assert_security_headers(response, path)
            if role is None:
                assert response.status_code == 302 and "/login/" in response["Location"], path
                continue
            assert_not_stored(response, path)
            if not allowed:
                expected = 302 if name == "admin:index" else 403
                assert response.status_code == expected, (role, method, path)
    for name, path in posts.items():
        response = client.get(path)
        if role is None and response.status_code != 405:
            assert response.status_code == 302 and "/login/" in response["Location"], path
        else:
            assert response.status_code in (403, 404, 405), (role, "get", path)
        if name in STAFF_POSTS:
            refused = client.post(path, {})
            if role is None:
                assert refused.status_code == 302, path
            elif role not in STAFF_POSTS[name]:
                assert refused.status_code in (403, 404), (role, "post", path)


def test_every_admin_route_refuses_staff_who_are_not_administrators(client, objects):
    powerful = make_staff("all-but-admin", *sorted(EVERY_ROLE - {Role.ADMINISTRATOR}))
    client.force_login(powerful)
    admin_routes = list(routes_of(lambda n, m: is_admin(m, n), objects))
    assert len(admin_routes) > 100
    for _name, path in admin_routes:
        for method in ("get", "post"):
            client.force_login(powerful)  # again: the admin's log-out page may have signed out
            response = getattr(client, method)(path, {})
            if response.status_code == 302 and response["Location"].endswith("/admin/"):
                response = client.get(response["Location"])  # log-out goes to the index
            if response.status_code != 403:
                assert response.status_code == 302, (method, path, response.status_code)
                assert "/login/" in response["Location"], (method, path)


def test_sign_in_pages_carry_the_headers(client, objects):
    for _name, path in routes_of(lambda n, m: is_sign_in(m), objects):
        response = client.get(path)
        assert response.status_code < 500, path
        assert_security_headers(response, path)


# --- results: the weighting form (POST only) ------------------------------------------------
STAFF_POSTS["surveys:results_weigh"] = {R.ANALYST}
# --- publish: the community surveys' public pages (publish/tests/test_survey_pages.py) ---
PUBLIC_PAGES |= {
    "publish-survey-index",
    "publish-survey-city",
    "publish-survey-district",
    "publish-survey-questionnaire",
    "publish-survey-public-use",
    "publish-survey-codebook",
    "publish-survey-file",
}
STAFF_POSTS.update(
    {
        "surveys:publish_quote_make": {R.COMMUNITY_ENGAGEMENT, R.ANALYST},
        "surveys:publish_quote_approve": {R.COMMUNITY_ENGAGEMENT, R.ANALYST},
        "surveys:publish_quote_withdraw": {R.COMMUNITY_ENGAGEMENT, R.ANALYST},
    }
)
# --- phone: telephone interviewing and paper entry ------------------------------------------

from commonground.accounts.tests.test_permissions import (  # noqa: E402
    PHONE_HOLDER_PAGES,
    PHONE_INTERVIEWERS,
    PHONE_SAMPLERS,
)

STAFF_POSTS.update(
    {
        "surveys:phone_next": PHONE_INTERVIEWERS,
        "surveys:phone_call": PHONE_INTERVIEWERS,
        "surveys:phone_hand_back": PHONE_INTERVIEWERS,
        "surveys:phone_max_attempts": PHONE_SAMPLERS,
        "surveys:phone_erase": PHONE_SAMPLERS,
    }
)
# A case's pages answer only the interviewer holding it (404 for everyone else with the role):
# test_permissions.py's test_a_case_is_open_only_to_the_interviewer_holding_it.
COVERED_ELSEWHERE |= PHONE_HOLDER_PAGES
# --- sample: the letters' download (POST only) -----------------------------------------------

from commonground.accounts.tests.test_permissions import SAMPLERS  # noqa: E402

STAFF_POSTS["surveys:sample_letters"] = SAMPLERS
STAFF_POSTS["surveys:sample_returns"] = SAMPLERS
# --- online: the resident's survey pages (surveys/tests/test_online_views.py covers them) ---
RESIDENT_FORMS |= {
    "surveys:online_start",
    "surveys:online_code_link",
    "surveys:online_open",
    "surveys:online_page",
    "surveys:online_review",
    "surveys:online_send",
    "surveys:online_thanks",
    "surveys:online_leave",
}
# --- form: questionnaires, the question bank, XLSForm and waves ----------------------------

from commonground.accounts.tests.test_permissions import FORM_POSTS  # noqa: E402

STAFF_POSTS.update(FORM_POSTS)

# --- focus: the focus-group pages' forms (POST only) ---------------------------------------
from commonground.accounts.tests.test_permissions import (  # noqa: E402
    FOCUS_GROUP_STAFF,
    FOCUS_POSTS,
)

STAFF_POSTS.update(dict.fromkeys(sorted(FOCUS_POSTS), FOCUS_GROUP_STAFF))
