import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def notify_supervisor(*, alert_id: int) -> None:
    """Tell the supervisor an alert waits for them. The message names no officer and no figure:
    the record is read on the alert page, after sign-in, where the reading is audited."""
    from commonground.early_warning.models import Alert

    alert = Alert.objects.select_related("supervisor").get(pk=alert_id)
    user = alert.supervisor
    if user is None or not user.is_active or not user.email:
        return
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        url = settings.SITE_URL.rstrip("/") + reverse("early_warning:alert_detail", args=[alert.pk])
        context = {"url": url, "agency": settings.AGENCY_NAME}
        subject = render_to_string("early_warning/email/alert_subject.txt", context).strip()
        body = render_to_string("early_warning/email/alert.txt", context)
    send_mail(subject, body, None, [user.email])


@task()
def run_daily_detectors() -> int:
    """Run the detectors, then estimate each one's false alerts a year for the report (the
    simulation takes seconds per detector, too long for a page)."""
    from commonground.early_warning.actions import estimate_false_alerts, run_detectors

    today = timezone.localdate()
    raised = run_detectors(on=today)
    logger.info("Early intervention: %s alert(s) raised", len(raised))
    estimate_false_alerts(on=today)
    return len(raised)
