import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.complaints.models import NoticeKind, Outcome
from commonground.complaints.tasks import send_still_open_notices
from commonground.complaints.tests.factories import file
from commonground.conftest import make_staff
from commonground.investigations.actions import close_case, pause_clock
from commonground.investigations.tasks import send_deadline_reminders
from commonground.investigations.tests.helpers import case_under_investigation, triaged_case
from commonground.web.models import ScheduledRun
from commonground.web.scheduler import enqueue_daily_tasks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_commit_immediately")]


def test_open_reports_get_a_still_open_notice_every_30_days(supervisor):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        named = file(language="es").report
        anonymous = file(reporter_type="anonymous", contact={}).report
        closed = triaged_case(supervisor)
        close_case(case=closed, outcome=Outcome.WITHDRAWN, reason="Withdrawn", by=supervisor)
    with time_machine.travel(start + datetime.timedelta(days=29), tick=False):
        assert send_still_open_notices.call() == 0
    with time_machine.travel(start + datetime.timedelta(days=31), tick=False):
        mail.outbox.clear()
        assert send_still_open_notices.call() == 1
        assert [m.to for m in mail.outbox] == [["maria@example.org"]]
        notice = named.notices.get()
        assert (notice.kind, notice.language) == (NoticeKind.STILL_OPEN, "es")
        # The next day nothing more: the last notice was yesterday.
    with time_machine.travel(start + datetime.timedelta(days=32), tick=False):
        assert send_still_open_notices.call() == 0
    with time_machine.travel(start + datetime.timedelta(days=62), tick=False):
        assert send_still_open_notices.call() == 1
    assert not anonymous.notices.exists()


def test_the_interval_is_configurable(settings):
    settings.STILL_OPEN_NOTICE_DAYS = 7
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        file()
    with time_machine.travel(start + datetime.timedelta(days=8), tick=False):
        assert send_still_open_notices.call() == 1


def test_deadline_reminders_are_one_list_per_person_responsible(supervisor, investigator):
    investigator.email, supervisor.email = "inv@example.org", "sup@example.org"
    investigator.save()
    supervisor.save()
    chief = make_staff("chief", Role.AGENCY_HEAD)
    chief.email = "chief@example.org"
    chief.save()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = case_under_investigation(supervisor, investigator)
        second = case_under_investigation(supervisor, investigator)
        paused = case_under_investigation(supervisor, investigator)
        pause_clock(case=paused, reason="Court", by=supervisor)
    with time_machine.travel(start + datetime.timedelta(days=100), tick=False):
        mail.outbox.clear()
        assert send_deadline_reminders.call() == 0
    with time_machine.travel(start + datetime.timedelta(days=175), tick=False):
        mail.outbox.clear()
        assert send_deadline_reminders.call() == 2
        assert sorted(m.to[0] for m in mail.outbox) == ["inv@example.org", "sup@example.org"]
        body = mail.outbox[0].body
        assert first.report.reference in body and second.report.reference in body
        assert paused.report.reference not in body
        assert "2 cases need you" in mail.outbox[0].subject
        assert "None of these cases is overdue yet." in body
    with time_machine.travel(start + datetime.timedelta(days=200), tick=False):
        mail.outbox.clear()
        send_deadline_reminders.call()
        assert "2 of these cases are overdue." in mail.outbox[0].body


def test_staff_messages_are_in_the_readers_language(supervisor, investigator):
    investigator.email, investigator.preferred_language = "inv@example.org", "es"
    investigator.save()
    make_staff("sup-es", Role.IA_SUPERVISOR)
    case_under_investigation(supervisor, investigator)
    message = next(m for m in mail.outbox if m.to == ["inv@example.org"])
    assert "Se le asignó la investigación de este caso." in message.body


def test_daily_tasks_are_enqueued_once_a_day_from_the_configured_hour(settings):
    settings.DAILY_TASKS_HOUR = 6
    day = timezone.localdate()
    early = timezone.make_aware(datetime.datetime.combine(day, datetime.time(5, 30)))
    later = early + datetime.timedelta(hours=1)
    assert enqueue_daily_tasks(early) == []
    assert enqueue_daily_tasks(later) == settings.DAILY_TASKS
    assert enqueue_daily_tasks(later + datetime.timedelta(minutes=1)) == []
    assert ScheduledRun.objects.filter(day=day).count() == len(settings.DAILY_TASKS)
    assert enqueue_daily_tasks(later + datetime.timedelta(days=1)) == settings.DAILY_TASKS


def test_changing_a_deadline_rule_in_the_admin_recomputes_open_cases(client, supervisor):
    from commonground.investigations.models import Case, DeadlineRule

    case = triaged_case(supervisor)
    admin = make_staff("root", Role.ADMINISTRATOR)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    rule = DeadlineRule.objects.get(clock="case", category="")
    response = client.post(
        f"/en/admin/investigations/deadlinerule/{rule.pk}/change/",
        {"clock": "case", "category": "", "days": "90"},
    )
    assert response.status_code == 302
    received = timezone.localdate(case.report.received_at)
    assert Case.objects.get(pk=case.pk).case_due_on == received + datetime.timedelta(days=90)
    from commonground.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="config.change", actor=admin).exists()
