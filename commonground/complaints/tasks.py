from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from commonground.complaints.models import Report
from commonground.lib.crypto import decrypt_json


@task()
def send_tracking_code(*, report_id: int, sealed_code: str) -> None:
    """E-mail the tracking code in the reporter's language. The code travels encrypted through
    the task queue, so it is never stored in plain text."""
    report = Report.objects.get(pk=report_id)
    email = (report.reporter_contact or {}).get("email")
    if not email:
        return
    code = decrypt_json(sealed_code)["code"]
    with translation.override(report.language):
        status_url = settings.SITE_URL.rstrip("/") + reverse("complaints:status")
        context = {"report": report, "code": code, "site_url": status_url}
        subject = render_to_string("complaints/email/tracking_code_subject.txt", context).strip()
        body = render_to_string("complaints/email/tracking_code.txt", context)
    send_mail(subject, body, None, [email])
