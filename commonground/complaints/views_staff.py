import datetime

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from commonground.accounts.decorators import staff_required
from commonground.complaints import tracking
from commonground.complaints.actions import file_report, ingest_attachments
from commonground.complaints.forms import (
    FilesForm,
    KindForm,
    NarrativeForm,
    OfficerForm,
    PersonForm,
    ReporterForm,
    StaffReceiptForm,
    WhenWhereForm,
)
from commonground.complaints.intake import build_input
from commonground.complaints.models import PersonRole
from commonground.evidence.decorators import limit_upload
from commonground.evidence.files import resident_upload_limit
from commonground.evidence.models import StoredFile
from commonground.lib.crypto import keyed_hash

OFFICER_ROWS = 3
PERSON_ROWS = 3


def _intake_forms(data=None):
    def rows(form_class, prefix, count, **kwargs):
        # Like a formset's extra forms: a row left as it was is skipped, not refused.
        return [
            form_class(
                data,
                prefix=f"{prefix}-{i}",
                empty_permitted=True,
                use_required_attribute=False,
                **kwargs,
            )
            for i in range(count)
        ]

    return {
        "receipt": StaffReceiptForm(
            data, prefix="receipt", initial={"received_on": timezone.localdate()}
        ),
        "kind": KindForm(data, prefix="kind"),
        "reporter": ReporterForm(data, prefix="reporter"),
        "when": WhenWhereForm(data, prefix="when"),
        "what": NarrativeForm(data, prefix="what"),
        "officers": rows(OfficerForm, "officer", OFFICER_ROWS),
        "people": rows(PersonForm, "person", PERSON_ROWS, initial={"role": PersonRole.WITNESS}),
    }


@never_cache
@staff_required("complaints.intake")
@limit_upload(resident_upload_limit)
def staff_intake(request):
    """One page for a report received by phone, walk-in, mail, e-mail or a partner."""
    if request.method != "POST":
        return _render_intake(request, _intake_forms(), [], [], tracking.new_submission_token())
    forms = _intake_forms(request.POST)
    token = request.POST.get("submission_token", "")
    draft_key = _staff_draft_key(token)
    kept = list(
        StoredFile.objects.filter(draft_key=draft_key, uuid__in=request.POST.getlist("kept_files"))
    )
    files_form = FilesForm(request.POST, request.FILES, prefix="files")
    stored, file_errors = [], []
    if files_form.is_valid():
        stored, file_errors = ingest_attachments(
            files_form.cleaned_data["files"], already=len(kept), draft_key=draft_key
        )
    kept += stored
    single = [forms[k] for k in ("receipt", "kind", "reporter", "when", "what")]
    # Rows left empty are valid (empty_permitted) and skipped below.
    if not all(f.is_valid() for f in single + forms["officers"] + forms["people"]) or file_errors:
        return _render_intake(request, forms, kept, file_errors, token, status=400)
    receipt = forms["receipt"].cleaned_data
    filed = file_report(
        data=build_input(
            kind=forms["kind"].cleaned_data,
            reporter=forms["reporter"].cleaned_data,
            when=forms["when"].cleaned_data,
            what=forms["what"].cleaned_data,
            officers=[f.cleaned_data for f in forms["officers"] if f.has_changed()],
            people=[f.cleaned_data for f in forms["people"] if f.has_changed()],
        ),
        submission_token=token,
        channel=receipt["channel"],
        by=request.user,
        files=kept,
        received_at=_received_at(receipt["received_on"]),
    )
    return render(
        request,
        "complaints/staff/intake_done.html",
        {"report": filed.report, "tracking_code": filed.tracking_code},
    )


def _received_at(day):
    now = timezone.localtime()
    if day == now.date():
        return now
    # Mail and partner referrals arrive on a day, not at a time: record noon local time.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _staff_draft_key(token: str) -> str:
    return keyed_hash(token, "staff-intake-draft") if token else "-"


def _render_intake(request, forms, kept, file_errors, token, status=200):
    return render(
        request,
        "complaints/staff/intake.html",
        {
            **forms,
            "kept_files": kept,
            "file_errors": file_errors,
            "submission_token": token,
            "has_errors": status == 400,
        },
        status=status,
    )
