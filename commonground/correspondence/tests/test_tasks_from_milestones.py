"""Each milestone reaches every resident the way they chose: e-mail, or a call or a letter for
staff to make, in the resident's language."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from commonground.audit.models import AuditEvent
from commonground.complaints.models import Outcome, ResidentNotice
from commonground.complaints.tasks import send_still_open_notices
from commonground.correspondence.actions import due_on
from commonground.correspondence.models import ContactTask, TaskKind, TaskStatus
from commonground.correspondence.tests.helpers import case_for
from commonground.investigations.actions import close_case, route_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_commit_immediately")]


@pytest.mark.parametrize(
    ("method", "kind", "emails"),
    [
        ("email", None, 1),
        ("phone", TaskKind.CALL, 0),
        ("mail", TaskKind.LETTER, 0),
        ("none", None, 0),
    ],
)
def test_a_milestone_makes_exactly_one_task_of_the_chosen_kind_and_e_mails_only_e_mail(
    method, kind, emails, supervisor, investigator
):
    case = case_for(supervisor, method)
    mail.outbox.clear()
    route_case(case=case, to="investigation", by=supervisor, investigator=investigator)
    assert len(mail.outbox) == emails
    tasks = list(ContactTask.objects.filter(report=case.report))
    assert [t.kind for t in tasks] == ([kind] if kind else [])
    if kind:
        task = tasks[0]
        assert task.milestone == "investigation"
        assert task.status == TaskStatus.OPEN
        assert task.subject == "Your report: Under investigation"
        assert "An investigator is gathering" in task.body
        # A letter or a call is not an automatic e-mail.
        assert "Please do not reply" not in task.body
        assert ResidentNotice.objects.filter(report=case.report, milestone="investigation").exists()


@pytest.mark.parametrize("method", ["phone", "mail"])
def test_the_words_are_the_e_mails_in_the_residents_language(method, supervisor):
    email_case = case_for(supervisor, "email", language="es")
    other_case = case_for(supervisor, method, language="es")
    mail.outbox.clear()
    for case in (email_case, other_case):
        route_case(case=case, to="mediation", by=supervisor)
        close_case(case=case, outcome=Outcome.WITHDRAWN, reason="Asked to", by=supervisor)
    task = ContactTask.objects.get(report=other_case.report, milestone="closed")
    message = mail.outbox[-1]
    assert task.language == "es"
    assert task.subject == message.subject == "Su reporte: Cerrado"
    assert "Resultado: Retirada a pedido" in task.body
    # The closing's words, after the mediation's that were still waiting to go out.
    latest = task.body[task.body.rindex(message.body.splitlines()[0]) :]
    assert latest in message.body and "Resultado" in latest


def test_a_referral_becomes_a_letter_naming_the_agency(supervisor):
    case = case_for(supervisor, "mail")
    close_case(
        case=case,
        outcome=Outcome.REFERRED,
        reason="County",
        referred_to="Riverton County Sheriff",
        by=supervisor,
    )
    letter = ContactTask.objects.get(report=case.report, notice="referral")
    assert letter.kind == TaskKind.LETTER
    assert "Riverton County Sheriff" in letter.body
    assert "outside the jurisdiction of Riverton Police Department" in letter.body


def test_still_open_notices_raise_one_call_a_month_not_one_a_day(supervisor):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        case = case_for(supervisor, "phone")
    for days in (31, 32, 33):
        with time_machine.travel(start + datetime.timedelta(days=days), tick=False):
            send_still_open_notices.call()
    calls = ContactTask.objects.filter(report=case.report, notice="still_open")
    assert calls.count() == 1
    assert "We have not forgotten it." in calls.get().body


def test_a_resident_who_chose_post_but_gave_no_address_gets_no_letter(supervisor, investigator):
    case = case_for(supervisor, "mail")
    report = case.report
    report.reporter_contact = {"name": "Maria Lopez"}
    report.save()
    route_case(case=case, to="investigation", by=supervisor, investigator=investigator)
    assert not ContactTask.objects.filter(report=report).exists()


def test_the_task_is_due_in_working_days_and_its_audit_event_holds_no_contact_details(
    supervisor, investigator
):
    friday = datetime.datetime(2026, 3, 13, 15, tzinfo=datetime.UTC)
    with time_machine.travel(friday, tick=False):
        case = case_for(supervisor, "mail")
        route_case(case=case, to="investigation", by=supervisor, investigator=investigator)
    task = ContactTask.objects.get(report=case.report)
    assert task.due_on == due_on(datetime.date(2026, 3, 13)) == datetime.date(2026, 3, 18)
    event = AuditEvent.objects.get(action="correspondence.task_opened", target_id=str(task.pk))
    assert "Elm" not in str(event.data) and "Maria" not in str(event.data)


@pytest.mark.parametrize("method", ["phone", "mail"])
def test_milestones_before_the_call_or_letter_go_out_together(method, supervisor):
    case = case_for(supervisor, method)
    route_case(case=case, to="mediation", by=supervisor)
    close_case(case=case, outcome=Outcome.WITHDRAWN, reason="Asked to", by=supervisor)
    task = ContactTask.objects.get(report=case.report)
    assert task.milestone == "closed" and task.subject == "Your report: Closed"
    assert task.body.index("In mediation") < task.body.index("Outcome: Withdrawn")


def test_a_letter_already_printed_is_not_changed_a_new_one_follows(supervisor, intake_clerk):
    from commonground.correspondence.actions import letter_for_printing

    case = case_for(supervisor, "mail")
    route_case(case=case, to="mediation", by=supervisor)
    printed = ContactTask.objects.get(report=case.report)
    letter_for_printing(task=printed, by=intake_clerk)
    close_case(case=case, outcome=Outcome.WITHDRAWN, reason="Asked to", by=supervisor)
    printed.refresh_from_db()
    assert "Outcome" not in printed.body
    assert ContactTask.objects.filter(report=case.report).count() == 2
