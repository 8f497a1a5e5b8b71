"""Staff pages for evidence: the list, footage import, one item with its chain of custody, and
the custody report. Every view of an item's content and every download is a custody event."""

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commonground.accounts.decorators import staff_required
from commonground.accounts.freshness import ask_for_fresh_mfa, has_fresh_mfa
from commonground.accounts.rules import can
from commonground.audit.actions import record
from commonground.evidence import actions, forms
from commonground.evidence.decorators import limit_upload
from commonground.evidence.files import (
    FileTooLarge,
    RejectedFile,
    announcement_limit,
    chunk_upload_limit,
    clean_name,
    evidence_upload_limit,
    open_stored,
)
from commonground.evidence.models import UploadState
from commonground.evidence.selectors import (
    active_holds,
    custody_report,
    get_item_for_user,
    get_upload_session_for_user,
    upload_offset,
    visible_items,
    withheld,
)

PREVIEWABLE = ("image/", "video/", "audio/")


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@never_cache
@staff_required("evidence.view")
def item_list(request):
    form = forms.ItemFilterForm(request.GET or None)
    items = visible_items(request.user).select_related("recording__officer").order_by("-pk")
    if form.is_valid():
        query, kind = form.cleaned_data["q"].strip(), form.cleaned_data["kind"]
        if query:
            number = query.upper().removeprefix("EV-").lstrip("0")
            items = items.filter(
                Q(original_name__icontains=query)
                | Q(sha256__startswith=query.lower())
                | (Q(pk=int(number)) if number.isdigit() else Q())
                | Q(recording__device_id__iexact=query)
            )
        if kind:
            items = items.filter(kind=kind)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "evidence/item_list.html",
        {"form": form, "page": page, "may_import": can(request.user, "evidence.import")},
    )


@never_cache
@staff_required("evidence.import")
@limit_upload(evidence_upload_limit)
def import_footage(request):
    """One recording through the browser. Large files stream to disk as they arrive; with
    JavaScript they arrive beforehand in pieces (start_upload), and the form names the upload."""
    form = forms.FootageForm(request.POST or None, request.FILES or None, user=request.user)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        facts = actions.RecordingFacts(
            device_id=data["device_id"],
            officer=data["badge"],
            started_at=data["started_at"],
            ended_at=data["ended_at"],
            latitude=data["latitude"],
            longitude=data["longitude"],
        )
        try:
            if data["upload_session"]:
                item = actions.import_uploaded_footage(
                    session=data["upload_session"],
                    facts=facts,
                    by=request.user,
                    ip_address=_ip(request),
                )
            else:
                item = actions.import_footage(
                    upload=data["file"], facts=facts, by=request.user, ip_address=_ip(request)
                )
        except (RejectedFile, actions.EvidenceError) as refused:
            error = str(refused)
        else:
            messages.success(request, gettext_lazy("The footage was received and sealed."))
            return redirect("evidence:item_detail", uuid=item.uuid)
    status = 400 if request.method == "POST" else 200
    session = getattr(form, "cleaned_data", {}).get("upload_session")
    uploaded = session if session and session.state == UploadState.COMPLETE else None
    return render(
        request,
        "evidence/import_footage.html",
        {"form": form, "error": error, "uploaded": uploaded},
        status=status,
    )


# --- Resumable uploads: JSON for web/upload.js ----------------------------------------------------


def _upload_json(session, *, offset: int | None = None) -> dict:
    return {
        "id": str(session.uuid),
        "name": session.name,
        "size": session.size,
        "offset": upload_offset(session) if offset is None else offset,
        "state": session.state,
        "error": session.error,
        "chunk_size": settings.EVIDENCE_UPLOAD_CHUNK_BYTES,
        "url": reverse("evidence:upload_status", args=[session.uuid]),
        "chunk_url": reverse("evidence:upload_chunk", args=[session.uuid]),
    }


def _refusal(message, *, status: int = 400, **extra) -> JsonResponse:
    return JsonResponse({"error": str(message), **extra}, status=status)


@never_cache
@require_POST
@staff_required("evidence.import")
@limit_upload(announcement_limit, json=True)
def start_upload(request):
    """Announce a file to be sent in pieces: {"name", "size"} in, the upload's state out."""
    try:
        announced = json.loads(request.body)
        name, size = str(announced["name"]), announced["size"]
    except (ValueError, KeyError, TypeError):
        name, size = "", None
    if not isinstance(size, int) or isinstance(size, bool):
        return _refusal(gettext_lazy("Say the file's name and its size in bytes."))
    try:
        session = actions.start_upload(by=request.user, name=name, size=size)
    except FileTooLarge as refused:
        return _refusal(refused, status=413)
    except (RejectedFile, actions.EvidenceError) as refused:
        return _refusal(refused)
    return JsonResponse(_upload_json(session, offset=0), status=201)


@never_cache
@require_GET
@staff_required("evidence.import")
def upload_status(request, uuid):
    """Where an upload has reached: the sender carries on from `offset`."""
    return JsonResponse(_upload_json(get_upload_session_for_user(request.user, uuid)))


@never_cache
@require_http_methods(["PUT"])
@staff_required("evidence.import")
@limit_upload(chunk_upload_limit, json=True)
def upload_chunk(request, uuid):
    """One piece of an upload: the raw bytes as the body, where they start in `Upload-Offset`.

    The body is streamed into storage as it arrives (never `request.body`, which would hold it
    in memory and is capped by DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    session = get_upload_session_for_user(request.user, uuid)
    try:
        offset = int(request.headers["Upload-Offset"])
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except (KeyError, ValueError):
        offset = length = -1
    if offset < 0 or length < 0:
        return _refusal(gettext_lazy("Say where the piece starts (Upload-Offset) and its length."))
    try:
        end = actions.receive_upload_chunk(
            session=session, offset=offset, stream=request, length=length
        )
    except actions.UploadConflict as conflict:
        return _refusal(conflict, status=409, offset=conflict.offset, state=session.state)
    except (RejectedFile, actions.EvidenceError) as refused:
        return _refusal(refused, offset=upload_offset(session), state=session.state)
    return JsonResponse(_upload_json(session, offset=end))


@dataclass(frozen=True)
class ItemAction:
    """A form on an item's page and the action it performs."""

    permission: str
    form: Callable  # (item, data, files) -> bound or unbound form
    perform: Callable  # (request, item, cleaned data) -> None
    done: str
    originals_only: bool = False


def _share(request, item, data):
    actions.share_item(
        item=item,
        by=request.user,
        party=data["party"],
        recipient=data["recipient"],
        reason=data["reason"],
        ip_address=_ip(request),
    )


def _hold(request, item, data):
    actions.place_hold(
        item=item,
        by=request.user,
        matter=data["matter"],
        reason=data["reason"],
        ip_address=_ip(request),
    )


def _release(request, item, data):
    hold = active_holds(item).filter(pk=data["hold"]).first()
    if hold is None:
        raise actions.EvidenceError(gettext_lazy("That hold is not in force."))
    actions.release_hold(hold=hold, by=request.user, reason=data["reason"], ip_address=_ip(request))


def _retention(request, item, data):
    actions.change_retention(
        item=item,
        by=request.user,
        reason=data["reason"],
        schedule=data["schedule"],
        retain_until=data["retain_until"],
        ip_address=_ip(request),
    )


def _redact(request, item, data):
    return actions.redact_image(
        item=item,
        by=request.user,
        boxes=data["boxes"],
        purpose=data["purpose"],
        note=data["note"],
        ip_address=_ip(request),
    )


def _attach(request, item, data):
    return actions.attach_redaction(
        item=item,
        by=request.user,
        upload=data["file"],
        purpose=data["purpose"],
        note=data["note"],
        ip_address=_ip(request),
    )


def _dispose(request, item, data):
    actions.dispose_item(item=item, by=request.user, reason=data["reason"], ip_address=_ip(request))


def _verify(request, item, data):
    actions.verify_now(item=item, by=request.user, ip_address=_ip(request))


ITEM_ACTIONS: dict[str, ItemAction] = {
    "share": ItemAction(
        "evidence.share",
        lambda item, *a: forms.ShareForm(*a, prefix="share"),
        _share,
        gettext_lazy("The sharing was recorded."),
    ),
    "verify": ItemAction(
        "evidence.view",
        lambda item, *a: forms.forms.Form(*a, prefix="verify"),
        _verify,
        gettext_lazy("The item was checked; the result is in its chain of custody."),
    ),
    "hold": ItemAction(
        "evidence.retention",
        lambda item, *a: forms.HoldForm(*a, prefix="hold"),
        _hold,
        gettext_lazy("The legal hold is in force."),
    ),
    "release": ItemAction(
        "evidence.retention",
        lambda item, *a: forms.ReleaseHoldForm(*a, prefix="release", holds=active_holds(item)),
        _release,
        gettext_lazy("The legal hold was released."),
    ),
    "retention": ItemAction(
        "evidence.retention",
        lambda item, *a: forms.RetentionForm(*a, prefix="retention"),
        _retention,
        gettext_lazy("The retention was changed."),
    ),
    "redact": ItemAction(
        "evidence.redact",
        lambda item, *a: forms.RedactImageForm(*a, prefix="redact"),
        _redact,
        gettext_lazy("The redacted copy was made. The original is unchanged."),
        originals_only=True,
    ),
    "attach_redaction": ItemAction(
        "evidence.redact",
        lambda item, *a: forms.AttachRedactionForm(*a, prefix="attach_redaction"),
        _attach,
        gettext_lazy("The redacted copy was attached. The original is unchanged."),
        originals_only=True,
    ),
    "dispose": ItemAction(
        "evidence.dispose",
        lambda item, *a: forms.ReasonForm(*a, prefix="dispose"),
        _dispose,
        gettext_lazy("The item's file was removed; its record stays."),
    ),
}


def _available(user, item) -> list[str]:
    names = []
    for name, action in ITEM_ACTIONS.items():
        if not can(user, action.permission):
            continue
        if action.originals_only and item.derived_from_id:
            continue
        if item.is_disposed and name != "verify":
            continue
        if name == "release" and not active_holds(item).exists():
            continue
        if name == "redact" and not item.content_type.startswith("image/"):
            continue
        names.append(name)
    return names


def _render_item(request, item, *, bound=None, error="", status=200):
    def form(prefix, make):
        """The form the person just sent back to them, with what they typed; others new."""
        return bound if bound is not None and bound.prefix == prefix else make()

    page_forms = {
        name: form(name, lambda name=name: ITEM_ACTIONS[name].form(item))
        for name in _available(request.user, item)
    }
    is_withheld = withheld(item)
    return render(
        request,
        "evidence/item_detail.html",
        {
            "item": item,
            "forms": page_forms,
            "download_form": form("download", lambda: forms.ReasonForm(prefix="download")),
            "export_form": form("export", lambda: forms.ExportForm(prefix="export"))
            if can(request.user, "evidence.share") and not item.is_disposed
            else None,
            "error": error,
            "custody": item.custody.select_related("actor").order_by("sequence"),
            "holds": item.legal_holds.select_related("placed_by", "released_by"),
            "derivatives": item.derivatives.order_by("pk"),
            "links": item.case_links.select_related("case__report"),
            "recording": getattr(item, "recording", None),
            "withheld": is_withheld,
            "previewable": item.content_type.startswith(PREVIEWABLE)
            and not item.is_disposed
            and not is_withheld,
        },
        status=status,
    )


@never_cache
@staff_required("evidence.view")
def item_detail(request, uuid):
    item = get_item_for_user(request.user, uuid)
    record(actor=request.user, action="evidence.page_view", target=item)
    return _render_item(request, item)


@never_cache
@require_POST
@staff_required("evidence.view")
@limit_upload(evidence_upload_limit)
def item_action(request, uuid, name):
    action = ITEM_ACTIONS.get(name)
    if action is None:
        raise Http404
    item = get_item_for_user(request.user, uuid)
    if name not in _available(request.user, item):
        return _render_item(
            request,
            item,
            error=gettext_lazy("This cannot be done to this item, or not by you."),
            status=403 if not can(request.user, action.permission) else 400,
        )
    form = action.form(item, request.POST, request.FILES)
    if not form.is_valid():
        return _render_item(request, item, bound=form, status=400)
    try:
        result = action.perform(request, item, form.cleaned_data)
    except (actions.EvidenceError, RejectedFile) as refused:
        item = get_item_for_user(request.user, uuid)
        return _render_item(request, item, bound=form, error=str(refused), status=400)
    messages.success(request, action.done)
    target = result if result is not None else item
    return redirect("evidence:item_detail", uuid=target.uuid)


@never_cache
@require_POST
@staff_required("evidence.view")
def download(request, uuid):
    """The file itself, as an attachment, with the reason recorded. An original also needs a
    second factor used in the last few minutes: the request waits while the user gives it."""
    item = get_item_for_user(request.user, uuid)
    form = forms.ReasonForm(request.POST, prefix="download")
    if not form.is_valid():
        return _render_item(request, item, bound=form, status=400)
    if item.derived_from_id is None and not has_fresh_mfa(request):
        return ask_for_fresh_mfa(request)
    try:
        actions.record_download(
            item=item, by=request.user, reason=form.cleaned_data["reason"], ip_address=_ip(request)
        )
    except actions.EvidenceError as refused:
        return _render_item(request, item, bound=form, error=str(refused), status=400)
    return _file_response(item, as_attachment=True)


@never_cache
@staff_required("evidence.view")
def content(request, uuid):
    """The file shown inside the item's page (photo, video, audio), recorded as a view."""
    item = get_item_for_user(request.user, uuid)
    if item.is_disposed or not item.content_type.startswith(PREVIEWABLE):
        raise Http404
    try:
        actions.record_view(item=item, by=request.user, ip_address=_ip(request))
    except actions.EvidenceError as refused:
        return HttpResponse(str(refused), status=409, content_type="text/plain; charset=utf-8")
    return _file_response(item, as_attachment=False)


def _file_response(item, *, as_attachment: bool) -> FileResponse:
    response = FileResponse(
        open_stored(item.file.storage, item.file.name),
        as_attachment=as_attachment,
        filename=clean_name(item.original_name),
        content_type=item.content_type,
    )
    response["Content-Length"] = str(item.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; frame-ancestors 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@staff_required("evidence.view")
def custody_report_page(request, uuid, fmt="html"):
    """What an auditor or a court asks for: the item's hash, size, every event, and the result
    of checking the chain and the stored bytes now."""
    item = get_item_for_user(request.user, uuid)
    report = custody_report(item, by=request.user)
    record(
        actor=request.user,
        action="evidence.custody_report",
        target=item,
        data={"format": fmt, "intact": report.check.ok},
    )
    if fmt == "pdf":
        response = HttpResponse(_custody_pdf(request, report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="custody-{item.reference}.pdf"'
        return response
    return render(request, "evidence/custody_report.html", {"report": report, "pdf": False})


def _custody_pdf(request, report) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "evidence/custody_report_pdf.html", {"report": report, "pdf": True}, request=request
    )
    return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()


@never_cache
@require_POST
@staff_required("evidence.share")
def export(request, uuid):
    """A package for a party outside the agency: the original, its custody report and a manifest
    of hashes, after a reason, the recipient's name and a fresh second factor."""
    item = get_item_for_user(request.user, uuid)
    form = forms.ExportForm(request.POST, prefix="export")
    if not form.is_valid():
        return _render_item(request, item, bound=form, status=400)
    if not has_fresh_mfa(request):
        return ask_for_fresh_mfa(request)
    try:
        package = actions.export_package(
            item=item,
            by=request.user,
            reason=form.cleaned_data["reason"],
            recipient=form.cleaned_data["recipient"],
            custody_pdf=_custody_pdf(request, custody_report(item, by=request.user)),
            ip_address=_ip(request),
        )
    except (actions.EvidenceError, RejectedFile) as refused:
        item = get_item_for_user(request.user, uuid)
        return _render_item(request, item, bound=form, error=str(refused), status=400)
    response = FileResponse(
        package,
        as_attachment=True,
        filename=f"{item.reference}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response
