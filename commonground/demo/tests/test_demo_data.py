import io
import itertools
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.complaints.actions import ALLOWED_TRANSITIONS
from commonground.complaints.models import (
    Channel,
    ContactMethod,
    InvolvedOfficer,
    Kind,
    Report,
    ReporterType,
    Status,
    StatusChange,
)
from commonground.demo.builder import AGENCY_NAME, PASSWORD
from commonground.roster.models import Agency, Assignment, District, Officer, OfficerStatus

pytestmark = pytest.mark.django_db

SMALL = 60
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def demo_data(**options) -> str:
    out = io.StringIO()
    call_command("demo_data", reports=SMALL, stdout=out, **options)
    return out.getvalue()


class _Undo(Exception):
    pass


def built_then_undone(seed: int) -> dict:
    """Build the demo with a seed, describe what was built, then roll it all back."""
    description = {}
    try:
        with transaction.atomic():
            demo_data(seed=seed)
            description = {
                "officers": list(
                    Officer.objects.order_by("badge_number").values_list(
                        "first_name", "last_name", "badge_number", "rank", "status", "race", "sex"
                    )
                ),
                "districts": list(District.objects.values_list("code", "population_by_group")),
                "reports": Counter(
                    Report.objects.values_list("kind", "status", "channel", "language")
                ),
                "narratives": list(
                    Report.objects.order_by("pk").values_list("narrative", flat=True)
                ),
                "involved": InvolvedOfficer.objects.count(),
            }
            raise _Undo
    except _Undo:
        return description


def test_same_seed_builds_the_same_agency():
    first, again = built_then_undone(7), built_then_undone(7)

    assert first == again
    assert len(first["officers"]) == 300
    assert built_then_undone(8)["officers"] != first["officers"]


def test_prints_the_accounts_then_a_second_run_adds_nothing():
    def counts():
        models = [Agency, District, Officer, Assignment, Report, StatusChange, AuditEvent]
        return [m.objects.count() for m in [*models, get_user_model()]]

    first = demo_data()
    before = counts()
    second = demo_data()

    for username in ("clerk", "investigator", "supervisor", "board", "boardstaff", "admin"):
        assert f"  {username} " in first
    assert PASSWORD in first
    assert "TOTP" in first
    assert "already exists" in second
    assert counts() == before
    assert Agency.objects.filter(name=AGENCY_NAME).count() == 1


def test_refuses_to_take_over_existing_usernames():
    get_user_model().objects.create_user(username="admin", password="someone-elses-2026")

    with pytest.raises(CommandError, match="admin"):
        demo_data()

    assert not Agency.objects.exists()
    assert not Officer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_files_reports_without_queueing_or_sending_email(settings, mailoutbox):
    # Really committed, with the immediate task backend: any tracking-code e-mail the command
    # let through would be sent at once.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = FAST_HASHERS

    demo_data()

    assert any("email" in (r.reporter_contact or {}) for r in Report.objects.all())
    assert mailoutbox == []
    assert DBTaskResult.objects.count() == 0


@pytest.fixture(scope="class")
def built_once(django_db_setup, django_db_blocker):
    """One small demo shared by the tests that only read it, rolled back after them.

    Class-scoped fixtures run before function-scoped settings fixtures, so the fast test
    hasher is set here too."""
    with (
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        demo_data()
        yield
        transaction.set_rollback(True)


@pytest.mark.usefixtures("built_once")
class TestTheBuiltDemo:
    def test_every_status_appears_for_each_kind(self):
        for kind, table in ALLOWED_TRANSITIONS.items():
            statuses = set(Report.objects.filter(kind=kind).values_list("status", flat=True))
            assert statuses == set(table), kind

    def test_every_channel_appears(self):
        assert set(Report.objects.values_list("channel", flat=True)) == set(Channel.values)

    def test_anonymous_reports_keep_no_contact(self):
        anonymous = Report.objects.filter(reporter_type=ReporterType.ANONYMOUS)

        assert anonymous.exists()
        for report in anonymous:
            assert report.reporter_contact is None
            assert report.contact_method == ContactMethod.NONE
            assert report.reporter_relationship == ""

    def test_histories_follow_the_transition_table_and_stay_in_the_past(self):
        now = timezone.now()
        for report in Report.objects.prefetch_related("status_changes"):
            changes = list(report.status_changes.all())
            assert changes[0].to_status == Status.RECEIVED
            assert changes[0].changed_at == report.received_at
            for before, after in itertools.pairwise(changes):
                assert after.to_status in ALLOWED_TRANSITIONS[report.kind][before.to_status]
                assert before.changed_at <= after.changed_at <= now
            assert changes[-1].to_status == report.status
            assert report.incident_date <= timezone.localdate(report.received_at)

    def test_staff_channels_are_filed_by_the_clerk_and_online_by_the_public(self):
        clerk = get_user_model().objects.get(username="clerk")

        assert not Report.objects.filter(channel=Channel.ONLINE, received_by__isnull=False).exists()
        assert set(
            Report.objects.exclude(channel=Channel.ONLINE).values_list("received_by", flat=True)
        ) == {clerk.pk}

    def test_one_staff_account_per_role_with_the_demo_password(self):
        User = get_user_model()
        for role in Role:
            holders = User.objects.filter(groups__name=role.value)
            assert holders.count() == 1, role
            assert holders.get().check_password(PASSWORD)
        admin = User.objects.get(groups__name=Role.ADMINISTRATOR)
        assert admin.is_staff and admin.is_superuser
        assert not User.objects.filter(is_superuser=True).exclude(pk=admin.pk).exists()

    def test_contacts_use_example_org(self):
        emails = [
            r.reporter_contact["email"]
            for r in Report.objects.exclude(reporter_contact=None)
            if "email" in r.reporter_contact
        ]
        assert emails
        assert all(e.endswith("@example.org") for e in emails)

    def test_roster_has_districts_units_and_histories(self):
        districts = District.objects.all()
        assert [d.code for d in districts] == ["D1", "D2", "D3", "D4", "D5"]
        for district in districts:
            assert sum(district.population_by_group.values()) == district.population
            assert set(district.population_by_group) == {
                "asian/pacific islander",
                "black",
                "hispanic",
                "white",
                "other",
            }
        officers = Officer.objects.all()
        assert officers.count() == 300
        assert len(set(officers.values_list("badge_number", flat=True))) == 300
        assert officers.filter(status=OfficerStatus.SEPARATED).exists()
        assert officers.filter(status=OfficerStatus.LEAVE).exists()
        for officer in officers.prefetch_related("assignments"):
            history = sorted(officer.assignments.all(), key=lambda a: a.started_on)
            assert 1 <= len(history) <= 3
            assert [a.ended_on is None for a in history].count(True) == 1
            assert history[-1].ended_on is None
            assert history[-1].unit_id == officer.unit_id
            assert history[0].started_on == officer.hired_on

    def test_spanish_reports_are_written_in_spanish(self):
        spanish = Report.objects.filter(language="es")

        assert spanish.exists()
        assert all(" yo " in r.narrative or "agradecer" in r.narrative for r in spanish)

    def test_every_write_is_in_an_intact_audit_chain(self):
        out = io.StringIO()
        call_command("verify_audit", stdout=out)

        assert "intact" in out.getvalue()
        assert AuditEvent.objects.filter(action="report.file").count() == SMALL
        assert Kind.COMMENDATION in set(Report.objects.values_list("kind", flat=True))
