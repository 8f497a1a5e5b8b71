from django.conf import settings
from django_tasks import task

from commonground.audit.signing import export_head


@task()
def export_audit_head() -> str:
    """Daily: the chain's head, signed, into AUDIT_HEAD_DIR (outside the database), where
    verify_audit finds the newest one. Returns the file's name."""
    path = export_head(
        settings.AUDIT_HEAD_DIR, settings.AUDIT_HEAD_SIGNING_KEY, actor="export_audit_head"
    )
    return path.name
