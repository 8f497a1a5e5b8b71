import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from commonground.complaints.models import (
    MILESTONES,
    OPEN_STATUSES,
    ContactMethod,
    Milestone,
    NoticeKind,
    Outcome,
    Report,
    ResidentNotice,
)
from commonground.complaints.signals import staff_contact_needed
from commonground.complaints.status_text import explanation
from commonground.lib.crypto import decrypt_json


def _status_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("complaints:status")


def _tell_reporter(report: Report, template: str, kind: str, **context) -> bool:
    """Tell the reporter of a milestone the way they chose: an e-mail, or for those who chose
    phone or post the same words as a call or a letter for staff to make (`staff_contact_needed`,
    which correspondence answers).
    Reporters who chose not to be contacted, anonymous ones among them, get nothing."""
    if report.contact_method == ContactMethod.EMAIL:
        return _email_reporter(report, template, kind, **context)
    if report.contact_method not in (ContactMethod.PHONE, ContactMethod.MAIL):
        return False
    with translation.override(report.language):
        context = {
            "report": report,
            "site_url": _status_url(),
            "agency": settings.AGENCY_NAME,
            **context,
        }
        subject = render_to_string(f"complaints/email/{template}_subject.txt", context).strip()
    answers = staff_contact_needed.send(
        sender=Report,
        report=report,
        notice=kind,
        milestone=context.get("milestone", ""),
        subject=subject,
        body_template=f"complaints/letters/{template}.txt",
        context=context,
    )
    if not any(task is not None for _receiver, task in answers):
        return False
    _noted(report, kind, context)
    return True


def _email_reporter(report: Report, template: str, kind: str | None, **context) -> bool:
    """Send one message to the reporter in the language they wrote in, and note that it was
    sent (unless `kind` is None). Reporters without an e-mail address get nothing."""
    email = (report.reporter_contact or {}).get("email")
    if not email:
        return False
    with translation.override(report.language):
        context = {
            "report": report,
            "site_url": _status_url(),
            "agency": settings.AGENCY_NAME,
            **context,
        }
        subject = render_to_string(f"complaints/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"complaints/email/{template}.txt", context)
    send_mail(subject, body, None, [email])
    if kind is not None:
        _noted(report, kind, context)
    return True


def _noted(report: Report, kind: str, context: dict) -> None:
    ResidentNotice.objects.create(
        report=report,
        kind=kind,
        milestone=context.get("milestone", ""),
        language=report.language,
        sent_at=timezone.now(),
    )


@task()
def send_tracking_code(*, report_id: int, sealed_code: str) -> None:
    """E-mail the tracking code in the reporter's language. The code travels encrypted through
    the task queue, so it is never stored in plain text."""
    report = Report.objects.get(pk=report_id)
    code = decrypt_json(sealed_code)["code"]
    _email_reporter(report, "tracking_code", None, code=code)


@task()
def notify_reporter(*, report_id: int, milestone: str) -> None:
    """Tell the reporter, and the reporters of duplicates merged into this report, that it
    reached a new stage."""
    report = Report.objects.get(pk=report_id)
    followers = [report, *Report.objects.filter(merged_into=report)]
    for follower in followers:
        _tell_reporter(
            follower,
            "milestone",
            NoticeKind.MILESTONE,
            milestone=milestone,
            milestone_label=Milestone(milestone).label,
            explanation=explanation(milestone, kind=report.kind, outcome=report.outcome),
            # Lazy, so it is translated inside the reporter's language.
            outcome=Outcome(report.outcome).label if milestone == Milestone.CLOSED else "",
            merged=follower.pk != report.pk or bool(report.merged_into_id),
        )


@task()
def send_referral_letter(*, report_id: int, agency: str) -> None:
    report = Report.objects.get(pk=report_id)
    _tell_reporter(report, "referral", NoticeKind.REFERRAL, referred_to=agency)


@task()
def send_still_open_notices() -> int:
    """Daily: every reporter whose report is still open hears from us at least every
    STILL_OPEN_NOTICE_DAYS days (configurable), in their language."""
    cutoff = timezone.now() - datetime.timedelta(days=settings.STILL_OPEN_NOTICE_DAYS)
    due = (
        Report.objects.filter(status__in=OPEN_STATUSES, merged_into__isnull=True)
        .exclude(reporter_contact__isnull=True)
        .annotate(last_notice=Max("notices__sent_at"))
        .filter(Q(last_notice__lt=cutoff) | Q(last_notice__isnull=True, received_at__lt=cutoff))
    )
    sent = 0
    for report in due.iterator(chunk_size=500):
        milestone = MILESTONES[report.status]
        sent += _tell_reporter(
            report,
            "still_open",
            NoticeKind.STILL_OPEN,
            milestone=milestone,
            milestone_label=Milestone(milestone).label,
            explanation=explanation(milestone, kind=report.kind),
        )
    return sent


@task()
def discard_unfiled_uploads() -> int:
    """Daily: files uploaded to reports that were never filed are removed after a day."""
    from commonground.evidence.actions import discard_draft_files

    return discard_draft_files(older_than=datetime.timedelta(hours=24))
