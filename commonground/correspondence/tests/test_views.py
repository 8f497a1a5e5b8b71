"""The calls-and-letters pages: who may open them, recording calls, printing and posting
letters, and the letter itself."""

import io

import pikepdf
import pytest
from django.core.exceptions import PermissionDenied

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.conftest import make_staff
from commonground.correspondence import actions
from commonground.correspondence.letters import letter_html, opening_hours
from commonground.correspondence.models import ContactTask, TaskKind, TaskStatus
from commonground.correspondence.tests.helpers import case_for
from commonground.investigations.actions import route_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_commit_immediately")]


def task_for(supervisor, method: str, language: str = "en") -> ContactTask:
    case = case_for(supervisor, method, language=language)
    route_case(case=case, to="mediation", by=supervisor)
    return ContactTask.objects.get(report=case.report)


URLS = {
    "task_list": lambda task: "/en/staff/contact/",
    "task_detail": lambda task: f"/en/staff/contact/{task.pk}/",
    "letter_pdf": lambda task: f"/en/staff/contact/{task.pk}/letter.pdf",
}
ALLOWED = {Role.INTAKE_CLERK, Role.IA_SUPERVISOR}


@pytest.mark.parametrize("role", sorted(Role.values))
@pytest.mark.parametrize("name", sorted(URLS))
def test_only_intake_and_ia_supervisors_open_calls_and_letters(client, supervisor, role, name):
    task = task_for(supervisor, "mail")
    client.force_login(make_staff(f"someone-{role}", role))
    response = client.get(URLS[name](task))
    assert response.status_code == (200 if role in ALLOWED else 403)


@pytest.mark.parametrize("name", sorted(URLS))
def test_the_public_is_sent_to_sign_in(client, supervisor, name):
    task = task_for(supervisor, "mail")
    response = client.get(URLS[name](task))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_staff_named_in_the_case_neither_see_nor_open_its_task(client, supervisor):
    task = task_for(supervisor, "phone")
    clerk = make_staff("clerk-officer", Role.INTAKE_CLERK)
    clerk.officer = task.report.officers.get().officer
    clerk.save()
    client.force_login(clerk)
    assert client.get(f"/en/staff/contact/{task.pk}/").status_code == 403
    assert task.report.reference not in client.get("/en/staff/contact/").content.decode()
    response = client.post(f"/en/staff/contact/{task.pk}/call/", {"outcome": "reached"})
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        actions.record_call(task=task, outcome="reached", by=clerk)
    assert not task.attempts.exists()


def test_the_queue_lists_open_tasks_oldest_due_first_with_counts(client, supervisor, intake_clerk):
    call = task_for(supervisor, "phone")
    letter = task_for(supervisor, "mail")
    ContactTask.objects.filter(pk=letter.pk).update(due_on=call.due_on.replace(year=2020))
    client.force_login(intake_clerk)
    page = client.get("/en/staff/contact/").content.decode()
    assert page.index(letter.report.reference) < page.index(call.report.reference)
    assert '1 call to make, 1 letter to post; <strong class="overdue">1 overdue' in page
    calls_only = client.get("/en/staff/contact/?kind=call").content.decode()
    assert call.report.reference in calls_only and letter.report.reference not in calls_only
    home = client.get("/en/staff/").content.decode()
    assert "Calls and letters to make" in home and "2 to do" in home


def test_a_call_shows_the_number_and_the_script_and_records_each_attempt(
    client, supervisor, intake_clerk
):
    task = task_for(supervisor, "phone", language="es")
    client.force_login(intake_clerk)
    page = client.get(f"/en/staff/contact/{task.pk}/").content.decode()
    assert "555-201-3344" in page
    assert 'lang="es"' in page and "Su reporte: En mediación" in page
    assert "maria@example.org" not in page  # only the number a call needs
    for _ in range(2):
        response = client.post(f"/en/staff/contact/{task.pk}/call/", {"outcome": "no_answer"})
        assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.attempts.count() == 2
    client.post(
        f"/en/staff/contact/{task.pk}/call/", {"outcome": "no_answer", "note": "Voicemail full"}
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.UNREACHABLE
    assert task.done_by == intake_clerk
    events = AuditEvent.objects.filter(action="correspondence.call", target_id=str(task.pk))
    assert events.count() == 3
    assert all("Voicemail" not in str(e.data) and "555" not in str(e.data) for e in events)


def test_reaching_the_resident_finishes_the_call_and_a_second_record_is_refused(
    client, supervisor, intake_clerk
):
    task = task_for(supervisor, "phone")
    client.force_login(intake_clerk)
    client.post(f"/en/staff/contact/{task.pk}/call/", {"outcome": "reached"})
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    response = client.post(f"/en/staff/contact/{task.pk}/call/", {"outcome": "reached"})
    assert response.status_code == 400
    assert "already finished" in response.content.decode()
    assert task.attempts.count() == 1


def test_a_call_without_an_outcome_says_what_is_missing_and_keeps_the_note(
    client, supervisor, intake_clerk
):
    task = task_for(supervisor, "phone")
    client.force_login(intake_clerk)
    response = client.post(f"/en/staff/contact/{task.pk}/call/", {"note": "Rang twice"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose what happened on the call." in page and "Rang twice" in page


def test_a_letter_is_downloaded_then_posted_then_may_come_back(client, supervisor, intake_clerk):
    task = task_for(supervisor, "mail")
    client.force_login(intake_clerk)
    refused = client.post(f"/en/staff/contact/{task.pk}/posted/")
    assert refused.status_code == 400
    assert "Download and print the letter first" in refused.content.decode()
    response = client.get(f"/en/staff/contact/{task.pk}/letter.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        action="correspondence.letter_downloaded", target_id=str(task.pk), actor=intake_clerk
    ).exists()
    assert client.post(f"/en/staff/contact/{task.pk}/posted/").status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.done_by == intake_clerk
    client.post(f"/en/staff/contact/{task.pk}/returned/", {"note": "Addressee unknown"})
    task.refresh_from_db()
    assert task.status == TaskStatus.RETURNED and task.note == "Addressee unknown"


def test_a_call_has_no_letter_to_download(client, supervisor, intake_clerk):
    task = task_for(supervisor, "phone")
    client.force_login(intake_clerk)
    assert client.get(f"/en/staff/contact/{task.pk}/letter.pdf").status_code == 400


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Your report: In mediation", "Dear Maria Lopez,", "Monday to Friday: 08:00-18:00"]),
        (
            "es",
            [
                "Su reporte: En mediación",
                "Estimado/a Maria Lopez:",
                "Lunes a viernes: 08:00-18:00",
                "Horario de atención",
            ],
        ),
    ],
)
def test_the_letter_is_in_the_residents_language_with_both_addresses(supervisor, language, words):
    task = task_for(supervisor, "mail", language=language)
    html = letter_html(task)
    assert f'<html lang="{language}">' in html
    for phrase in [*words, "12 Elm Street", "Apt 4", "100 Main Street", task.report.reference]:
        assert phrase in html, phrase
    assert task.body.splitlines()[0] in html


def test_the_pdf_is_one_page_titled_in_the_residents_language(supervisor):
    from commonground.correspondence.letters import letter_pdf

    task = task_for(supervisor, "mail", language="es")
    with pikepdf.open(io.BytesIO(letter_pdf(task))) as pdf:
        assert len(pdf.pages) == 1
        assert str(pdf.docinfo["/Title"]) == "Su reporte: En mediación"


def test_opening_hours_name_the_days_in_the_reader_s_language():
    from django.utils import translation

    spec = "Mo-Fr 08:00-18:00; Sa 10:00-14:00; PH off"
    assert opening_hours(spec) == [
        "Monday to Friday: 08:00-18:00",
        "Saturday: 10:00-14:00",
        "PH off",
    ]
    with translation.override("es"):
        assert opening_hours(spec)[0] == "Lunes a viernes: 08:00-18:00"


def test_the_admin_lists_tasks_read_only_without_contact_details(client, supervisor):
    task = task_for(supervisor, "phone")
    actions.record_call(
        task=task, outcome="no_answer", note="", by=make_staff("c", Role.INTAKE_CLERK)
    )
    root = make_staff("root", Role.ADMINISTRATOR)
    root.is_staff = root.is_superuser = True
    root.save()
    client.force_login(root)
    listing = client.get("/en/admin/correspondence/contacttask/")
    assert listing.status_code == 200 and task.report.reference in listing.content.decode()
    page = client.get(f"/en/admin/correspondence/contacttask/{task.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "No answer" in text and "555-201-3344" not in text
    assert 'name="_save"' not in text  # nothing to change
    assert client.get("/en/admin/correspondence/contacttask/add/").status_code == 403


def test_a_call_that_reaches_nobody_becomes_a_letter_when_there_is_an_address(
    client, supervisor, intake_clerk
):
    task = task_for(supervisor, "phone")
    report = task.report
    report.reporter_contact = {**report.reporter_contact, "address": "12 Elm Street"}
    report.save()
    client.force_login(intake_clerk)
    client.post(f"/en/staff/contact/{task.pk}/call/", {"outcome": "wrong_number"})
    letter = ContactTask.objects.get(report=report, kind=TaskKind.LETTER)
    assert letter.replaces == task and letter.body == task.body and letter.is_open
    page = client.get(f"/en/staff/contact/{letter.pk}/").content.decode()
    assert "a call that reached nobody" in page and "12 Elm Street" in page


@pytest.mark.parametrize("phone", ["", "555-201-3344"])
def test_a_returned_letter_becomes_a_call_only_when_there_is_a_number(
    supervisor, intake_clerk, phone
):
    letter = task_for(supervisor, "mail")
    letter.report.reporter_contact = {**letter.report.reporter_contact, "phone": phone}
    letter.report.save()
    actions.letter_for_printing(task=letter, by=intake_clerk)
    actions.mark_letter_posted(task=letter, by=intake_clerk)
    actions.mark_letter_returned(task=letter, by=intake_clerk)
    calls = ContactTask.objects.filter(kind=TaskKind.CALL)
    assert [c.replaces for c in calls] == ([letter] if phone else [])


def test_no_tracking_code_is_ever_read_out_or_printed(supervisor):
    case = case_for(supervisor, "mail")
    route_case(case=case, to="mediation", by=supervisor)
    task = ContactTask.objects.get(report=case.report)
    assert case.tracking_code not in task.body
    assert case.tracking_code not in letter_html(task)


@pytest.mark.parametrize("role", [Role.INVESTIGATOR, Role.BOARD_MEMBER, Role.ANALYST])
@pytest.mark.parametrize(
    ("method", "action", "data"),
    [
        ("phone", "call", {"outcome": "reached"}),
        ("mail", "posted", {}),
        ("mail", "returned", {"note": "x"}),
    ],
)
def test_other_roles_cannot_record_anything(client, supervisor, role, method, action, data):
    task = task_for(supervisor, method)
    if action == "returned":  # a letter already posted, the only kind that can come back
        ContactTask.objects.filter(pk=task.pk).update(status=TaskStatus.DONE)
    client.force_login(make_staff(f"other-{role}", role))
    assert client.post(f"/en/staff/contact/{task.pk}/{action}/", data).status_code == 403
    assert not task.attempts.exists()
    assert not AuditEvent.objects.filter(action__startswith="correspondence.", actor__isnull=False)
