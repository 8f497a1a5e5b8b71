import contextlib
import datetime
import io
import itertools
from collections import Counter

import polars as pl
import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.complaints.models import (
    Allegation,
    AllegationCategory,
    AllegationSubtype,
    Channel,
    ContactMethod,
    Finding,
    InvolvedOfficer,
    Kind,
    OfficerRole,
    Outcome,
    Report,
    ReporterType,
    Status,
    StatusChange,
)
from commonground.demo import records
from commonground.demo.builder import AGENCY_NAME, PASSWORD, _Builder
from commonground.investigations.actions import FINDING_ORDER, TRANSITIONS
from commonground.investigations.models import Case, LogEntry, ProposedFinding
from commonground.oversight.models import (
    AgencyDecision,
    CaseReview,
    FinalDiscipline,
    Meeting,
    MeetingStatus,
    Recommendation,
    ReviewResult,
    Vote,
)
from commonground.roster.models import (
    Agency,
    Assignment,
    Commendation,
    District,
    Officer,
    OfficerStatus,
    Rank,
    Unit,
)
from commonground.stops import analysis
from commonground.stops.models import Batch, BatchKind, BatchStatus, ForceUsed, UseOfForceIncident
from commonground.stops.selectors import district_infos, scan_stops
from commonground.surveys.models import Response, Wave

pytestmark = pytest.mark.django_db

SMALL = 60
SMALL_STOPS = 30_000
# Survey letters per district and quarter (the demo sends 240): enough for every channel.
SMALL_SURVEY = 40
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STAFF_PER_ROLE = {Role.INVESTIGATOR: 6, Role.IA_SUPERVISOR: 2, Role.BOARD_MEMBER: 5}


def demo_data(**options) -> str:
    out = io.StringIO()
    options.setdefault("survey_letters", SMALL_SURVEY)
    call_command("demo_data", reports=SMALL, stops=SMALL_STOPS, stdout=out, **options)
    return out.getvalue()


@contextlib.contextmanager
def undone():
    """A transaction rolled back at the end. The demo imports its records through actions that
    open durable transactions, which may nest only in a test case's own transaction, so this
    one is marked as TestCase marks its own."""
    atomic = transaction.atomic()
    atomic._from_testcase = True
    with atomic:
        yield
        transaction.set_rollback(True)


def built_then_undone(seed: int) -> dict:
    """Build the demo with a seed, describe what was built, then roll it all back."""
    with undone():
        demo_data(seed=seed)
        return {
            "officers": list(
                Officer.objects.order_by("badge_number").values_list(
                    "first_name", "last_name", "badge_number", "rank", "status", "race", "sex"
                )
            ),
            "commanders": list(
                Unit.objects.order_by("name").values_list("name", "commander__badge_number")
            ),
            "districts": list(District.objects.values_list("code", "population_by_group")),
            "reports": Counter(
                Report.objects.values_list("kind", "status", "channel", "language", "outcome")
            ),
            "narratives": list(Report.objects.order_by("pk").values_list("narrative", flat=True)),
            "involved": InvolvedOfficer.objects.count(),
            "survey": Counter(
                Response.objects.values_list(
                    "wave__label", "channel", "recruitment", "district__code"
                )
            ),
            "allegations": Counter(Allegation.objects.values_list("category", "final_finding")),
            "votes": Counter(Vote.objects.values_list("member__username", "choice")),
            "log": LogEntry.objects.count(),
            # The stops file holds no database ids; the use-of-force file holds complaint
            # references, whose ids a PostgreSQL sequence does not roll back.
            "stops": list(
                Batch.objects.filter(kind=BatchKind.STOPS).values_list("sha256", "rows_total")
            ),
            "force": sorted(
                (
                    i.agency_reference,
                    i.occurred_on,
                    i.occurred_time,
                    i.district.code,
                    i.subject_race,
                    i.subject_injured,
                    i.complaint_id is not None,
                    sorted((f.officer.badge_number, *f.types) for f in i.force_used.all()),
                )
                for i in UseOfForceIncident.objects.select_related("district").prefetch_related(
                    "force_used__officer"
                )
            ),
        }


def roster_of(seed: int) -> list[tuple]:
    """The officers a seed's roster holds, built alone (the first step of every build), then
    rolled back."""
    with undone():
        _Builder(seed=seed, now=timezone.now(), progress=lambda _line: None).build_roster()
        return list(Officer.objects.order_by("badge_number").values_list("first_name", "last_name"))


def test_same_seed_builds_the_same_agency():
    # Both builds start at one instant: dates and times in narratives are counted back from
    # the moment of building, and two builds a few minutes apart could round differently.
    start = timezone.now()
    with time_machine.travel(start, tick=True):
        first = built_then_undone(7)
    with time_machine.travel(start, tick=True):
        again = built_then_undone(7)

    assert first == again
    assert len(first["officers"]) == 300
    assert first["stops"][0][1] == SMALL_STOPS
    assert first["force"]
    assert sum(first["survey"].values()) > 0
    # Another seed, another agency (its roster is enough to tell: every later step draws on it).
    assert roster_of(8) != roster_of(7)


def test_refuses_to_take_over_existing_usernames():
    get_user_model().objects.create_user(username="board3", password="someone-elses-2026")

    with pytest.raises(CommandError, match="board3"):
        demo_data()

    assert not Agency.objects.exists()
    assert not Officer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_files_reports_without_queueing_or_sending_email(settings, mailoutbox):
    # Really committed, with the immediate task backend: any tracking-code e-mail, referral
    # letter, staff notice or commendation the command let through would be sent at once.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = FAST_HASHERS

    demo_data()

    assert any("email" in (r.reporter_contact or {}) for r in Report.objects.all())
    assert Commendation.objects.exclude(forwarded_to__work_email="").exists()
    assert Case.objects.exclude(investigator=None).exists()
    assert mailoutbox == []
    assert DBTaskResult.objects.count() == 0


@pytest.fixture(scope="class")
def built_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """One small demo shared by the tests that only read it, rolled back after them.

    Class-scoped fixtures run before function-scoped settings fixtures, so the fast test
    hasher and a folder for the imported files are set here too."""
    files = tmp_path_factory.mktemp("demo")
    with (
        override_settings(
            PASSWORD_HASHERS=FAST_HASHERS,
            MEDIA_ROOT=files / "media",
            STOPS_CACHE_DIR=files / "stops-cache",
        ),
        django_db_blocker.unblock(),
        undone(),
    ):
        yield demo_data()


def statuses_of(kind: str) -> set[str]:
    return {status for pair in TRANSITIONS[kind] for status in pair}


@pytest.mark.usefixtures("built_once")
class TestTheBuiltDemo:
    def test_footage_is_imported_with_sealed_chains_and_old_routine_footage_disposed(self):
        from commonground.evidence.models import ItemKind, StoredFile
        from commonground.evidence.selectors import chain_problems

        footage = StoredFile.objects.filter(kind=ItemKind.BWC_FOOTAGE).select_related("recording")
        assert footage.count() > 50
        assert footage.filter(disposed_at__isnull=False, evidentiary=False).exists()
        for item in footage:
            assert not chain_problems(item), item.reference
            assert item.recording.started_at < item.uploaded_at
            assert (
                item.duration_seconds
                == (item.recording.ended_at - item.recording.started_at).total_seconds()
            )

    def test_every_status_appears_for_each_kind(self):
        for kind in TRANSITIONS:
            statuses = set(Report.objects.filter(kind=kind).values_list("status", flat=True))
            assert statuses == statuses_of(kind), kind

    def test_intake_has_calls_and_letters_to_make_some_overdue(self):
        from django.utils import timezone

        from commonground.complaints.models import OPEN_STATUSES
        from commonground.correspondence.models import ContactTask, TaskKind, TaskStatus

        chose = set(
            Report.objects.filter(
                status__in=OPEN_STATUSES,
                merged_into=None,
                duplicates=None,
                contact_method__in=["phone", "mail"],
            ).values_list("contact_method", flat=True)
        )
        open_tasks = ContactTask.objects.filter(status=TaskStatus.OPEN)
        kinds = {"phone": TaskKind.CALL, "mail": TaskKind.LETTER}
        assert TaskKind.CALL in {t.kind for t in open_tasks}
        assert {t.kind for t in open_tasks} == {kinds[method] for method in chose}
        assert open_tasks.filter(due_on__lt=timezone.localdate()).exists()
        assert ContactTask.objects.filter(attempts__isnull=False).exists()

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
                assert (before.to_status, after.to_status) in TRANSITIONS[report.kind]
                assert after.from_status == before.to_status
                assert before.changed_at <= after.changed_at <= now
            assert changes[-1].to_status == report.status
            assert report.incident_date <= timezone.localdate(report.received_at)
        assert not LogEntry.objects.filter(occurred_at__gt=now).exists()
        assert not AuditEvent.objects.filter(occurred_at__gt=now).exists()

    def test_staff_channels_are_filed_by_the_clerk_and_online_by_the_public(self):
        clerk = get_user_model().objects.get(username="clerk")

        assert not Report.objects.filter(channel=Channel.ONLINE, received_by__isnull=False).exists()
        assert set(
            Report.objects.exclude(channel=Channel.ONLINE).values_list("received_by", flat=True)
        ) == {clerk.pk}

    def test_staff_accounts_for_a_real_caseload_with_the_demo_password(self):
        User = get_user_model()
        for role in Role:
            holders = User.objects.filter(groups__name=role.value)
            assert holders.count() == STAFF_PER_ROLE.get(role, 1), role
            assert all(user.check_password(PASSWORD) for user in holders)
        admin = User.objects.get(groups__name=Role.ADMINISTRATOR)
        assert admin.is_staff and admin.is_superuser
        assert not User.objects.filter(is_superuser=True).exclude(pk=admin.pk).exists()

    def test_internal_affairs_staff_and_the_chief_are_on_the_roster(self):
        User = get_user_model()
        internal_affairs = Unit.objects.get(name="Internal Affairs")
        for user in User.objects.filter(groups__name__in=[Role.INVESTIGATOR, Role.IA_SUPERVISOR]):
            assert user.officer.unit == internal_affairs
            assert user.unit == internal_affairs
            assert user.officer.full_name == user.get_full_name()
            assert user.officer.status == OfficerStatus.ACTIVE
        chief = User.objects.get(username="chief")
        assert chief.officer.rank == Rank.CHIEF
        assert set(internal_affairs.officers.all()) == {
            u.officer
            for u in User.objects.filter(groups__name__in=[Role.INVESTIGATOR, Role.IA_SUPERVISOR])
        }

    def test_the_field_supervisor_commands_a_patrol_shift_with_an_officer_account_in_it(self):
        User = get_user_model()
        supervisor = User.objects.get(groups__name=Role.FIELD_SUPERVISOR)
        officer = User.objects.get(groups__name=Role.OFFICER)

        unit = supervisor.officer.unit
        assert unit.district is not None
        assert unit.commander == supervisor.officer
        assert officer.officer.unit == unit
        assert officer.officer.rank == Rank.OFFICER

    def test_units_have_commanders_and_officers_work_emails(self):
        emails = list(Officer.objects.values_list("work_email", flat=True))
        assert all(e.endswith("@example.org") for e in emails)
        assert len(set(emails)) == len(emails)
        for unit in Unit.objects.exclude(commander=None).select_related("commander"):
            assert unit.commander.unit_id == unit.pk
            assert unit.commander.status == OfficerStatus.ACTIVE
        assert Unit.objects.get(name="Internal Affairs").commander.user_account.username == (
            "supervisor"
        )
        assert Unit.objects.exclude(commander=None).count() >= 20

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

    def test_subtypes_in_both_languages_for_every_category_used(self):
        subtypes = AllegationSubtype.objects.all()
        assert all(s.names["en"] and s.names["es"] for s in subtypes)
        assert set(subtypes.values_list("category", flat=True)) == set(AllegationCategory.values)
        assert Allegation.objects.exclude(subtype=None).exists()
        for allegation in Allegation.objects.exclude(subtype=None).select_related("subtype"):
            assert allegation.subtype.category == allegation.category

    def test_allegations_are_against_subject_officers(self):
        allegations = Allegation.objects.select_related("involved_officer")

        assert allegations.exists()
        assert {a.involved_officer.role for a in allegations} == {OfficerRole.SUBJECT}
        assert all(a.involved_officer.report_id == a.report_id for a in allegations)

    def test_board_reviews_have_a_quorum_and_a_recommendation_on_every_allegation(self):
        decided = CaseReview.objects.filter(
            result__in=[ReviewResult.CONCUR, ReviewResult.DO_NOT_CONCUR]
        )

        assert decided.exists()
        for review in decided.prefetch_related("votes", "recommendations", "recusals"):
            assert len(review.votes.all()) >= settings.BOARD_QUORUM
            recused = {r.member_id for r in review.recusals.all()}
            assert not recused & {v.member_id for v in review.votes.all()}
            allegations = set(review.case.report.allegations.values_list("pk", flat=True))
            assert {r.allegation_id for r in review.recommendations.all()} == allegations
            assert review.meeting.starts_at <= timezone.now()
            if review.result == ReviewResult.DO_NOT_CONCUR:
                assert review.notes

    def test_closed_investigations_have_final_findings_and_an_agency_decision(self):
        investigated = Report.objects.filter(
            status=Status.CLOSED, status_changes__to_status=Status.INVESTIGATION
        ).distinct()

        assert investigated.exists()
        for report in investigated:
            findings = list(report.allegations.values_list("final_finding", flat=True))
            assert findings and "" not in findings
            assert AgencyDecision.objects.filter(case__report=report).exists()
            assert report.outcome == min(findings, key=FINDING_ORDER.index)
            assert not ProposedFinding.objects.filter(
                allegation__report=report, approved_at=None
            ).exists()

    def test_each_decision_is_taken_by_someone_free_of_conflict(self):
        """The chief decides unless she is, or commands, an officer named in the case; then the
        civilian alternate does."""
        from commonground.accounts.rules import conflicted

        chief = get_user_model().objects.get(groups__name=Role.AGENCY_HEAD)
        decisions = AgencyDecision.objects.select_related("case__report", "decided_by")
        assert decisions.exists()
        for decision in decisions:
            case = decision.case
            assert not conflicted(decision.decided_by, case)
            expected = Role.DECISION_ALTERNATE if conflicted(chief, case) else Role.AGENCY_HEAD
            assert expected in decision.decided_by.roles()

    def test_only_sustained_allegations_are_disciplined(self):
        for line in [*Recommendation.objects.all(), *FinalDiscipline.objects.all()]:
            if line.finding != Finding.SUSTAINED:
                assert line.discipline.code == "none"
        assert FinalDiscipline.objects.exclude(discipline__code="none").exists()

    def test_triage_closes_some_complaints_and_merges_duplicates_into_open_ones(self):
        closed = Report.objects.filter(kind=Kind.COMPLAINT, status=Status.CLOSED)

        assert closed.exclude(status_changes__to_status=Status.INVESTIGATION).exists()
        for case in Case.objects.filter(report__outcome=Outcome.REFERRED):
            assert case.referred_to
        for report in Report.objects.exclude(merged_into=None):
            assert report.outcome == Outcome.MERGED
            assert report.merged_into.received_at < report.received_at

    def test_the_board_met_and_has_meetings_to_come(self):
        now = timezone.now()
        held = Meeting.objects.filter(status=MeetingStatus.HELD)

        assert held.exists()
        assert not held.filter(starts_at__gt=now).exists()
        assert Meeting.objects.filter(status=MeetingStatus.SCHEDULED, starts_at__gt=now).exists()

    def test_commendations_are_forwarded_to_the_officers_record(self):
        forwarded = Report.objects.filter(kind=Kind.COMMENDATION, status=Status.FORWARDED)

        assert forwarded.exists()
        for report in forwarded:
            officers = set(report.officers.exclude(officer=None).values_list("officer", flat=True))
            recorded = Commendation.objects.filter(source_reference=report.reference)
            assert officers and set(recorded.values_list("officer", flat=True)) == officers

    def test_stops_and_use_of_force_are_imported_by_the_analyst_and_checked(self):
        analyst = get_user_model().objects.get(username="analyst")
        batches = Batch.objects.all()

        assert {b.kind for b in batches} == {BatchKind.STOPS, BatchKind.USE_OF_FORCE}
        for batch in batches:
            assert batch.status == BatchStatus.LOADED
            assert batch.created_by == analyst
            assert batch.problem_count == 0
            assert batch.ignored_columns == []
            assert batch.rows_checked == batch.rows_total
            actions = set(
                AuditEvent.objects.filter(
                    target_id=str(batch.pk), action__startswith="stops."
                ).values_list("action", flat=True)
            )
            assert actions == {"stops.batch_queued", "stops.batch_loaded"}
        stops = batches.get(kind=BatchKind.STOPS)
        assert stops.rows_total == SMALL_STOPS
        assert stops.data_name and not stops.incoming_name
        assert (stops.last_date - stops.first_date).days > 3 * 365 - 5

    def test_use_of_force_names_demo_officers_and_some_stand_out(self):
        today = timezone.localdate()
        recent = today - datetime.timedelta(days=records.RECENT_DAYS)
        incidents = UseOfForceIncident.objects.all()

        assert incidents.count() >= records.FORCE_INCIDENTS_PER_YEAR * records.YEARS_OF_RECORDS
        assert not incidents.filter(occurred_on__gt=today).exists()
        assert incidents.filter(occurred_on__lt=today - datetime.timedelta(days=2 * 365)).exists()
        assert not ForceUsed.objects.exclude(officer__agency__name=AGENCY_NAME).exists()
        per_officer = Counter(
            ForceUsed.objects.filter(incident__occurred_on__gte=recent).values_list(
                "officer__badge_number", flat=True
            )
        )
        most = per_officer.most_common(records.AT_RISK_OFFICERS)
        assert len(most) == records.AT_RISK_OFFICERS
        assert all(n >= records.AT_RISK_INCIDENTS[0] for _badge, n in most)
        # Most officers use force rarely: the ones who stand out are far above the median.
        assert most[-1][1] >= 3 * sorted(per_officer.values())[len(per_officer) // 2]
        for incident in incidents.exclude(complaint=None).select_related("complaint"):
            assert incident.complaint.kind == Kind.COMPLAINT
            assert incident.occurred_on == incident.complaint.incident_date

    def test_early_intervention_flags_the_officers_who_stand_out_and_some_are_reviewed(self):
        from commonground.early_warning.actions import RECOMMENDED_DETECTORS
        from commonground.early_warning.models import (
            Alert,
            AlertStatus,
            Detector,
            DetectorKind,
            Indicator,
            Intervention,
        )

        assert Detector.objects.count() == len(RECOMMENDED_DETECTORS)
        # The planted officers each used force at least three times in the recommended
        # threshold's window; anyone else who happens to (the background is random, and which
        # officers reach it changes with the day the demo is built) is flagged too.
        threshold = Detector.objects.get(
            kind=DetectorKind.THRESHOLD, indicator=Indicator.USE_OF_FORCE
        )
        since = timezone.localdate() - datetime.timedelta(days=threshold.window_days - 1)
        per_officer = Counter(
            badge
            for badge, _incident in ForceUsed.objects.filter(
                incident__occurred_on__gte=since, officer__status=OfficerStatus.ACTIVE
            )
            .values_list("officer__badge_number", "incident")
            .distinct()
        )
        standing_out = {b for b, n in per_officer.items() if n >= threshold.min_events}
        flagged = set(
            Alert.objects.filter(detector=threshold).values_list("officer__badge_number", flat=True)
        )
        assert len(standing_out) >= records.AT_RISK_OFFICERS
        assert standing_out == flagged
        reviewed = Alert.objects.exclude(status=AlertStatus.OPEN)
        assert reviewed.exists() and Alert.objects.filter(status=AlertStatus.OPEN).exists()
        assert reviewed.filter(review__agrees=False).exists()
        assert Intervention.objects.exists()

    def test_every_write_is_in_an_intact_audit_chain(self):
        out = io.StringIO()
        call_command("verify_audit", stdout=out)

        assert "intact" in out.getvalue()
        assert AuditEvent.objects.filter(action="report.file").count() == SMALL
        assert AuditEvent.objects.filter(action="case.open").exists()
        assert AuditEvent.objects.filter(action="agency.decide").exists()

    def test_the_demo_library_has_policies_in_both_languages_one_revised_and_one_retired(
        self, client
    ):
        from commonground.training.models import Policy

        page = client.get("/es/policies/").content.decode()
        revised = client.get("/en/policies/go-302/").content.decode()

        assert Policy.objects.count() == 6
        assert "Cámaras corporales" in page
        assert "Adds a duty to de-escalate first" in revised
        assert "/en/policies/go-302/v1/" in revised
        assert "retired" in client.get("/en/policies/go-999/").content.decode()

    def test_prints_the_accounts_a_second_run_adds_nothing_and_a_stopped_run_is_completed(
        self, built_once
    ):
        def counts():
            models = [Agency, District, Officer, Assignment, Report, StatusChange, AuditEvent]
            return [
                m.objects.count()
                for m in [*models, Case, Meeting, get_user_model(), Response, Wave]
            ]

        first = built_once
        for username in (
            "clerk",
            "investigator",
            "investigator6",
            "supervisor",
            "supervisor2",
            "board",
            "board5",
            "boardstaff",
            "chief",
            "admin",
        ):
            assert f"  {username} " in first
        assert PASSWORD in first
        assert "TOTP" in first
        assert f"{SMALL_STOPS} stops from" in first
        assert "use-of-force incidents" in first
        assert "Open cases:" in first
        assert "Community survey (Riverton community survey):" in first
        assert "Planted in the survey answers" in first
        assert "Trust index (0-100), planted truth vs the published estimate" in first

        # What follows changes the shared demo: rolled back before any other test reads it.
        with undone():
            before = counts()
            second = demo_data()
            assert "already exists" in second
            assert counts() == before
            assert Agency.objects.filter(name=AGENCY_NAME).count() == 1

            # A run stopped before the records were loaded loads them next time.
            UseOfForceIncident.objects.all().delete()
            Batch.objects.filter(kind=BatchKind.USE_OF_FORCE).delete()
            officers = Officer.objects.count()

            again = demo_data()

            assert again.startswith(f"{AGENCY_NAME} exists")
            assert "Completed" in again
            assert Officer.objects.count() == officers
            assert Batch.objects.filter(kind=BatchKind.STOPS).count() == 1
            assert Batch.objects.get(kind=BatchKind.USE_OF_FORCE).status == BatchStatus.LOADED
            assert UseOfForceIncident.objects.exists()


# A fixed moment: the stops' dates, and so which of them fall after dusk, follow the day the demo
# is built, and a 95% interval misses the planted value on one day in twenty.
PINNED = datetime.datetime(2026, 3, 10, 18, 0, tzinfo=datetime.UTC)


def test_the_stops_pages_find_the_planted_disparities_and_officers_who_stand_out():
    with time_machine.travel(PINNED, tick=True):
        demo_data()
        today = timezone.localdate()
        agency = Agency.objects.get(name=AGENCY_NAME)
        districts = district_infos()
        stops = scan_stops()
        columns = stops.collect_schema().names()
        first, last = (
            stops.select(first=pl.col("date").min(), last=pl.col("date").max()).collect().row(0)
        )

        # The planted stop rates are those of daylight (stops.synthetic): after dusk the
        # darkness effect moves some stops from Black to white drivers.
        sun = analysis.sun_times(districts, first, last, time_zone=agency.zone)
        minute = pl.col("time").dt.hour().cast(pl.Int16) * 60 + pl.col("time").dt.minute()
        daylight = (
            stops.join(sun.lazy(), on=["district", "date"])
            .filter(minute < pl.col("sunset_minute"))
            .select(columns)
        )
        years = ((last - first).days + 1) / 365.25
        benchmark = analysis.benchmark_rates(daylight, districts, years=years)
        black = next(c.stop_ratio for c in benchmark.overall if c.group == "black")
        assert black.low < records.STOP_RATES["black"] < black.high

        darkness = analysis.veil_of_darkness(stops, districts, time_zone=agency.zone)
        assert darkness.low < records.DARKNESS_EFFECT < darkness.high

        outcomes = {c.group: c for c in analysis.outcome_test(stops, districts).overall}
        for group in ("black", "hispanic"):
            planted = records.HIT_RATES[group] - records.HIT_RATES["white"]
            difference = outcomes[group].hit_rate_difference
            assert difference.low < planted < difference.high, group

        # Every stop is made by an officer on that district's patrol that day.
        spells = pl.DataFrame(
            [
                (a.officer.badge_number, a.unit.district.code, a.started_on, a.ended_on or today)
                for a in Assignment.objects.filter(unit__district__isnull=False).select_related(
                    "officer", "unit__district"
                )
            ],
            schema=["officer_id", "district", "start", "end"],
            orient="row",
        )
        covered = (
            stops.with_row_index("row")
            .join(spells.lazy(), on=["officer_id", "district"])
            .filter(pl.col("date").is_between(pl.col("start"), pl.col("end")))
            .select(pl.col("row").n_unique())
            .collect()
            .item()
        )
        assert covered == SMALL_STOPS

        force = records.summarise(today)
        assert force.linked > 0
        assert len(force.at_risk) == records.AT_RISK_OFFICERS
        assert all(o.incidents >= records.AT_RISK_INCIDENTS[0] for o in force.at_risk)
        assert all(o.injuries >= 1 for o in force.at_risk)
        # Sixty reports name few officers lately; the full demo's stand-outs have several each.
        assert any(o.complaints for o in force.at_risk)
