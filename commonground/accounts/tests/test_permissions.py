"""Every role against every staff page built so far, declared once as a table."""

import pytest
from django.contrib.auth.models import AnonymousUser

from commonground.accounts.models import Role
from commonground.accounts.rules import PERMISSIONS, can
from commonground.complaints.tests.factories import agency_with_officers, file
from commonground.conftest import make_staff

pytestmark = pytest.mark.django_db

R = Role
CASE_READERS = {
    R.INTAKE_CLERK,
    R.INVESTIGATOR,
    R.IA_SUPERVISOR,
    R.BOARD_MEMBER,
    R.BOARD_STAFF,
    R.ANALYST,
    R.ADMINISTRATOR,
}
INTAKE = {R.INTAKE_CLERK, R.IA_SUPERVISOR, R.ADMINISTRATOR}
EVERY_ROLE = set(R.values)

# url name -> roles that may open it. Everyone else gets 403; the public is sent to log in.
MATRIX = {
    "staff_home": EVERY_ROLE,
    "complaints:case_list": CASE_READERS,
    "complaints:case_detail": CASE_READERS,
    "complaints:staff_intake": INTAKE,
    "roster:officer_list": EVERY_ROLE,
    "roster:officer_detail": EVERY_ROLE,
    "admin:index": {R.ADMINISTRATOR},
}


@pytest.fixture
def objects():
    _, _, _, officers = agency_with_officers(1)
    return {"complaints:case_detail": file().report.pk, "roster:officer_detail": officers[0].pk}


def url_for(name, objects):
    from django.urls import reverse

    return reverse(name, args=[objects[name]] if name in objects else [])


def test_every_staff_url_is_in_the_matrix():
    staff_names = set()
    from commonground.complaints import urls as complaint_urls
    from commonground.roster import urls as roster_urls

    for module, namespace in ((complaint_urls, "complaints"), (roster_urls, "roster")):
        for pattern in module.urlpatterns:
            if str(pattern.pattern).startswith("staff/"):
                staff_names.add(f"{namespace}:{pattern.name}")
    staff_names.add("staff_home")
    assert staff_names <= set(MATRIX), staff_names - set(MATRIX)


@pytest.mark.parametrize("role", sorted(EVERY_ROLE))
@pytest.mark.parametrize("name", MATRIX)
def test_role_against_url(client, objects, role, name):
    user = make_staff(f"u-{role}", role)
    if role == R.ADMINISTRATOR:
        user.is_staff = user.is_superuser = True
        user.save()
    client.force_login(user)
    response = client.get(url_for(name, objects))
    expected = 200 if role in MATRIX[name] else (302 if name == "admin:index" else 403)
    assert response.status_code == expected, f"{role} on {name}"


@pytest.mark.parametrize("name", MATRIX)
def test_the_public_is_sent_to_sign_in(client, objects, name):
    response = client.get(url_for(name, objects))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


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
    report = file(contact={"name": "Maria Lopez", "email": "maria@example.org"}).report
    for role, sees in [
        (R.INTAKE_CLERK, True),
        (R.INVESTIGATOR, True),
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
