import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from commonground.accounts.models import User
from commonground.complaints.models import OPEN_STATUSES, Status
from commonground.investigations.models import Case
from commonground.investigations.selectors import answers_for, audience_users
from commonground.roster.models import Commendation

# What each staff message says happened, in the reader's language.
EVENTS = {
    "assigned": _("You were assigned to investigate this case."),
    f"stage:{Status.SUPERVISOR_REVIEW}": _("Findings were proposed and wait for your approval."),
    f"stage:{Status.INVESTIGATION}": _("The case was sent back for more investigation."),
    f"stage:{Status.BOARD_REVIEW}": _("The case is ready for the oversight board's review."),
    f"stage:{Status.AGENCY_DECISION}": _(
        "The board made its recommendation; the agency's decision is due."
    ),
}


def _send_to_staff(user: User, case: Case, event: str) -> None:
    if not user.email:
        return
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        url = settings.SITE_URL.rstrip("/") + reverse(
            "investigations:case_detail", args=[case.report_id]
        )
        context = {"case": case, "event": EVENTS[event], "url": url}
        subject = render_to_string("investigations/email/staff_subject.txt", context).strip()
        body = render_to_string("investigations/email/staff.txt", context)
    send_mail(subject, body, None, [user.email])


@task()
def notify_staff(*, user_ids: list[int], case_id: int, event: str) -> None:
    """Tell staff that a case needs them. Messages carry the case reference and a link, never
    the complaint's personal data."""
    case = Case.objects.select_related("report").get(pk=case_id)
    for user in User.objects.filter(pk__in=user_ids, is_active=True):
        _send_to_staff(user, case, event)


# Who answers for a case's deadline at each stage (besides its investigator, where assigned).
RESPONSIBLE = {
    Status.TRIAGE: "supervisors",
    Status.INVESTIGATION: "supervisors",
    Status.SUPERVISOR_REVIEW: "supervisors",
    Status.MEDIATION: "supervisors",
    Status.BOARD_REVIEW: "board_staff",
    Status.AGENCY_DECISION: "agency_head",
}
INVESTIGATOR_STAGES = {Status.INVESTIGATION, Status.MEDIATION}


@task()
def send_deadline_reminders() -> int:
    """Daily: one message per person listing their cases due soon or overdue: the investigator
    while they work on it, and whoever answers for the stage (supervisors, board staff, the
    agency head)."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=settings.DEADLINE_DUE_SOON_DAYS)
    cases = (
        Case.objects.filter(report__status__in=OPEN_STATUSES, due_on__lte=soon)
        .select_related("report")
        .order_by("due_on", "pk")
    )
    by_audience = {audience: audience_users(audience) for audience in set(RESPONSIBLE.values())}
    lists: dict[int, tuple[User, list[Case]]] = {}
    for case in cases.iterator(chunk_size=500):
        audience = RESPONSIBLE.get(case.report.status)
        readers = [
            user for user in by_audience.get(audience, []) if answers_for(user, case, audience)
        ]
        if case.investigator_id and case.report.status in INVESTIGATOR_STAGES:
            readers.append(case.investigator)
        for user in readers:
            lists.setdefault(user.pk, (user, []))[1].append(case)
    sent = 0
    for user, due in lists.values():
        if not user.email or not user.is_active:
            continue
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            context = {
                "cases": due,
                "today": today,
                "overdue": sum(c.due_on < today for c in due),
                "url": settings.SITE_URL.rstrip("/") + reverse("investigations:queues"),
            }
            subject = render_to_string("investigations/email/deadlines_subject.txt", context)
            body = render_to_string("investigations/email/deadlines.txt", context)
        send_mail(subject.strip(), body, None, [user.email])
        sent += 1
    return sent


@task()
def send_commendation(*, commendation_id: int) -> None:
    """Send a resident's commendation to the officer's commander."""
    commendation = Commendation.objects.select_related("officer", "forwarded_to").get(
        pk=commendation_id
    )
    commander = commendation.forwarded_to
    if commander is None or not commander.work_email:
        return
    context = {"commendation": commendation, "agency": settings.AGENCY_NAME}
    subject = render_to_string("investigations/email/commendation_subject.txt", context).strip()
    body = render_to_string("investigations/email/commendation.txt", context)
    send_mail(subject, body, None, [commander.work_email])


@task()
def refresh_deadlines() -> int:
    from commonground.investigations.actions import refresh_open_deadlines

    return refresh_open_deadlines()


@task()
def suggest_footage_links() -> int:
    """Daily: footage imported since a case was opened is suggested to its investigator."""
    from commonground.investigations.actions import suggest_footage_for_open_cases

    return suggest_footage_for_open_cases()
