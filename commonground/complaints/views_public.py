"""The resident's pages: the step-by-step report form, the confirmation, and the status page.

Every step works without JavaScript: each POST saves the step and redirects to the next one, and a
step with errors redirects to itself, which shows what was typed with its messages. No page is the
answer to a POST (post/redirect/get), so a reload or a language link never loses what it shows."""

import contextlib
import secrets

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from commonground.complaints import tracking
from commonground.complaints.actions import (
    InvalidSubmission,
    ReviewNotPossible,
    add_report_update,
    discard_unsent_attachments,
    file_report,
    ingest_attachments,
    request_review,
)
from commonground.complaints.draft import Draft
from commonground.complaints.forms import (
    AddInformationForm,
    FilesForm,
    KindForm,
    NarrativeForm,
    OfficerForm,
    PersonForm,
    ReporterForm,
    ReviewRequestForm,
    TrackingLookupForm,
    WhenWhereForm,
)
from commonground.complaints.intake import build_input
from commonground.complaints.models import OPEN_STATUSES, Channel, Kind, Milestone, Report
from commonground.complaints.selectors import (
    followed_report,
    get_report_by_code,
    public_findings,
    public_timeline,
    resident_additions,
    review_state,
)
from commonground.complaints.status_text import explanation
from commonground.evidence.decorators import limit_upload
from commonground.evidence.files import resident_upload_limit
from commonground.evidence.models import StoredFile
from commonground.lib.crypto import decrypt_json, encrypt_json
from commonground.lib.sizes import readable_size
from commonground.roster.models import District
from commonground.roster.selectors import officers_by_id, public_officer_lookup
from commonground.web.ratelimit import client_identity, too_many
from commonground.web.resident import resident_page

FORM_STEPS = {
    "kind": KindForm,
    "reporter": ReporterForm,
    "when": WhenWhereForm,
    "what": NarrativeForm,
}
STEP_ORDER = ["kind", "reporter", "when", "what", "officers", "people", "files", "review"]


def _titles():
    return {
        "kind": _("Complaint or commendation"),
        "reporter": _("About you"),
        "when": _("When and where"),
        "what": _("What happened"),
        "officers": _("Officers involved"),
        "people": _("Other people and witnesses"),
        "files": _("Photos, videos and documents"),
        "review": _("Check your answers"),
    }


def _next(step: str) -> str:
    return STEP_ORDER[STEP_ORDER.index(step) + 1]


def _previous(step: str) -> str | None:
    index = STEP_ORDER.index(step)
    return STEP_ORDER[index - 1] if index else None


def _context(draft: Draft, step: str, **extra) -> dict:
    titles = _titles()
    return {
        "step": step,
        "step_title": titles[step],
        "step_number": STEP_ORDER.index(step) + 1,
        "step_count": len(STEP_ORDER),
        "steps": [(name, titles[name]) for name in STEP_ORDER],
        "previous_url": _url(_previous(step)) if _previous(step) else "",
        "kind": draft.kind,
        "is_commendation": draft.kind == Kind.COMMENDATION,
        **extra,
    }


@resident_page
def start(request):
    return render(
        request, "complaints/start.html", {"lookup_enabled": settings.PUBLIC_OFFICER_LOOKUP}
    )


@resident_page
@never_cache
@require_http_methods(["GET", "POST"])
def step(request, step):
    if step not in FORM_STEPS:
        raise Http404
    draft = Draft(request)
    if step != "kind" and not draft.kind:
        return redirect("complaints:step", step="kind")
    form_class = FORM_STEPS[step]
    if request.method == "POST":
        form = form_class(request.POST)
        values = {k: v for k, v in request.POST.items() if k in form.fields}
        if form.is_valid():
            draft.forget_unsent(step)
            draft.set_step(step, values)
            return _after(request, step)
        # Shown again by the GET page, so that a reload or a change of language keeps it.
        draft.keep_unsent(step, values)
        return redirect(request.get_full_path())
    unsent, saved = draft.unsent(step), draft.step(step)
    if unsent is not None:
        form = form_class(unsent)
    elif saved:
        form = form_class(saved)
    else:
        form = form_class(initial={"language": get_language()} if step == "reporter" else {})
    return render(request, f"complaints/step_{step}.html", _context(draft, step, form=form))


def _url(step: str) -> str:
    if step in FORM_STEPS:
        return reverse("complaints:step", kwargs={"step": step})
    return reverse(f"complaints:{step}")


def _go(step: str):
    return redirect(_url(step))


def _after(request, step: str):
    """The next step, or back to review when the resident came from there to change an answer."""
    return _go("review" if request.POST.get("then") == "review" else _next(step))


def _list_step_post(request, draft: Draft, name: str, form_class, add_actions=("add",)):
    """The shared POST handling of the officers and people steps: remove an entry, add one,
    or move on. Returns (response, form): a response, else (an unknown action) an empty form.
    A refused entry is kept in the draft and shown, with its messages, by the GET page."""
    action = request.POST.get("action", "")
    if action.startswith("remove-"):
        _remove(draft, name, action)
        return redirect(f"complaints:{name}"), None
    if action == "continue":
        return _after(request, name), None
    if action not in add_actions:
        return None, form_class()
    form = form_class(request.POST)
    if form.is_valid():
        draft.data[name].append(_raw(request.POST, form))
        draft.data["unsent"].pop(name, None)
        draft.save()
        return redirect(f"complaints:{name}"), None
    # Shown again by the GET page, so that a reload or a change of language keeps it.
    draft.keep_unsent(name, _raw(request.POST, form))
    return redirect(request.get_full_path()), None


def _list_form(draft: Draft, name: str, form_class):
    """The add form of the officers or people step: empty, or what was typed and refused."""
    unsent = draft.unsent(name)
    return form_class(unsent) if unsent is not None else form_class()


@resident_page
@never_cache
@require_http_methods(["GET", "POST"])
def officers(request):
    draft = Draft(request)
    if not draft.kind:
        return redirect("complaints:step", step="kind")
    form = _list_form(draft, "officers", OfficerForm)
    query = request.GET.get("q", "").strip()
    if request.method == "POST":
        response, form = _list_step_post(
            request, draft, "officers", OfficerForm, add_actions=("add", "pick")
        )
        if response:
            return response
    listed = draft.data["officers"]
    roster = officers_by_id(o.get("officer_id") and int(o["officer_id"]) for o in listed)
    return render(
        request,
        "complaints/step_officers.html",
        _context(
            draft,
            "officers",
            form=form,
            listed=[
                (o, roster.get(int(o["officer_id"])) if o.get("officer_id") else None)
                for o in listed
            ],
            query=query,
            matches=public_officer_lookup(query) if query else [],
            lookup_enabled=settings.PUBLIC_OFFICER_LOOKUP,
        ),
    )


@resident_page
@require_safe
def officer_lookup(request):
    """Live search for the officers step (an enhancement: the step works without it)."""
    query = request.GET.get("q", "")
    return render(
        request,
        "complaints/_officer_matches.html",
        {"matches": public_officer_lookup(query), "query": query},
    )


@resident_page
@never_cache
@require_http_methods(["GET", "POST"])
def people(request):
    draft = Draft(request)
    if not draft.kind:
        return redirect("complaints:step", step="kind")
    form = _list_form(draft, "people", PersonForm)
    if request.method == "POST":
        response, form = _list_step_post(request, draft, "people", PersonForm)
        if response:
            return response
    return render(
        request,
        "complaints/step_people.html",
        _context(draft, "people", form=form, listed=draft.data["people"]),
    )


def _raw(post, form) -> dict:
    return {k: post.get(k, "") for k in form.fields if post.get(k, "")}


def _remove(draft: Draft, name: str, action: str) -> None:
    try:
        index = int(action.removeprefix("remove-"))
        draft.data[name].pop(index)
    except (ValueError, IndexError):
        return
    draft.save()


def _draft_files(draft: Draft) -> list[StoredFile]:
    stored = StoredFile.objects.filter(draft_key=draft.key, uuid__in=draft.data["files"])
    return sorted(stored, key=lambda f: f.uploaded_at)


@resident_page
@never_cache
@require_http_methods(["GET", "POST"])
@limit_upload(resident_upload_limit)
def files(request):
    draft = Draft(request)
    if not draft.kind:
        return redirect("complaints:step", step="kind")
    form = FilesForm()
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action.startswith("remove-"):
            uuid = action.removeprefix("remove-")
            if uuid in draft.data["files"]:
                draft.data["files"].remove(uuid)
                draft.save()
            return redirect("complaints:files")
        form = FilesForm(request.POST, request.FILES)
        if form.is_valid():
            stored, errors = ingest_attachments(
                form.cleaned_data["files"], already=len(draft.data["files"]), draft_key=draft.key
            )
            draft.data["files"] += [str(s.uuid) for s in stored]
            draft.save()
            if not errors and action == "continue":
                return redirect("complaints:review")
            if not errors:
                return redirect("complaints:files")
    return render(
        request,
        "complaints/step_files.html",
        _context(
            draft,
            "files",
            form=form,
            file_errors=errors,
            listed=_draft_files(draft),
            max_files=settings.ATTACHMENT_MAX_FILES,
            max_size=readable_size(settings.ATTACHMENT_MAX_BYTES),
        ),
    )


def _validated(draft: Draft):
    """Every step's form bound to the draft; returns (cleaned data, first incomplete step)."""
    cleaned = {}
    for name, form_class in FORM_STEPS.items():
        form = form_class(draft.step(name) or {})
        if not draft.step(name) or not form.is_valid():
            return None, name
        cleaned[name] = form.cleaned_data
    officers_clean = []
    for raw in draft.data["officers"]:
        form = OfficerForm(raw)
        if not form.is_valid():
            return None, "officers"
        officers_clean.append(form.cleaned_data)
    people_clean = []
    for raw in draft.data["people"]:
        form = PersonForm(raw)
        if not form.is_valid():
            return None, "people"
        people_clean.append(form.cleaned_data)
    cleaned["officers"], cleaned["people"] = officers_clean, people_clean
    return cleaned, None


@resident_page
@never_cache
def review(request):
    draft = Draft(request)
    cleaned, incomplete = _validated(draft)
    if incomplete:
        return _go(incomplete)
    roster = officers_by_id(o.get("officer_id") for o in cleaned["officers"])
    return render(
        request,
        "complaints/review.html",
        _context(
            draft,
            "review",
            answers=cleaned,
            officers=[(o, roster.get(o.get("officer_id"))) for o in cleaned["officers"]],
            files=_draft_files(draft),
            submission_token=tracking.new_submission_token(bound_to=draft.binding),
            district_names=dict(District.objects.values_list("pk", "name")),
        ),
    )


@resident_page
@never_cache
@require_POST
def submit(request):
    token = request.POST.get("submission_token", "")
    draft = Draft(request)
    cleaned, incomplete = _validated(draft)
    if incomplete:
        # Filed already (reload or retry after the draft was cleared)? Show that report again,
        # but only in the session the token was made for. A token tried from elsewhere counts
        # like a lookup; the resident's own retries do not (fifty at once must all see the code).
        try:
            code = tracking.code_for_token(token, bound_to=draft.binding)
        except signing.BadSignature:
            if throttled := _throttled(request, TrackingLookupForm()):
                return throttled
            return redirect("complaints:review")
        if get_report_by_code(code) is None:
            return redirect("complaints:review")
        return _show_confirmation(request, token)
    try:
        file_report(
            data=build_input(**cleaned),
            submission_token=token,
            channel=Channel.ONLINE,
            files=_draft_files(draft),
            session_binding=draft.binding,
        )
    except InvalidSubmission:
        return HttpResponseBadRequest(
            _("This form has expired. Please check your answers and submit again.")
        )
    draft.discard()
    return _show_confirmation(request, token)


# Pages reached by a POST (the confirmation, a looked-up status page, the result of adding
# information) are shown by a redirect to a GET page that reads what it shows from the resident's
# own session (post/redirect/get). A reload, the back button and the language links then work on
# them, and nothing shown once (the tracking code) is lost by a click.
FILED_KEY = "filed_submission"  # the submission token of the report this session just filed
FOLLOWED_KEY = "followed_report"  # sealed: the code this session looked up, and the add form
ADDED_KEY = "added_information"  # set for the one page that thanks the resident


def _show_confirmation(request, token: str):
    # The token, not the code: the code is derived again from it and the session's binding on
    # each view, so the session holds nothing that shows the code in another session.
    request.session[FILED_KEY] = token
    return redirect("complaints:received")


@resident_page
@never_cache
@require_safe
def received(request):
    """The confirmation after filing, for the session that filed (and only for it)."""
    token = request.session.get(FILED_KEY, "")
    try:
        code = tracking.code_for_token(token, bound_to=Draft(request).binding)
    except signing.BadSignature:
        return redirect("complaints:status")
    report = get_report_by_code(code)
    if report is None:
        return redirect("complaints:status")
    contact = Report.objects.only("reporter_contact").get(pk=report.pk).reporter_contact or {}
    return render(
        request,
        "complaints/confirmation.html",
        {
            "report": report,
            "tracking_code": code,
            "emailed": bool(contact.get("email")),
            "next_step": explanation(Milestone.RECEIVED, kind=report.kind),
        },
    )


@resident_page
@never_cache
@require_http_methods(["GET", "POST"])
def status(request):
    """Look a report up by its tracking code. The code only ever travels in a POST body."""
    form = TrackingLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if throttled := _throttled(request, form):
            return throttled
        report = _report_for(form, "code")
        if report is not None:
            _follow(request, form.cleaned_data["code"])
            return redirect("complaints:status_report")
    return render(request, "complaints/status_lookup.html", {"form": form})


def _follow(request, code: str, **pending) -> None:
    """Remember, in this session only, the report it looked up (and what the add form holds)."""
    request.session[FOLLOWED_KEY] = encrypt_json({"code": tracking.normalise(code), **pending})


def _followed(request) -> dict:
    sealed = request.session.get(FOLLOWED_KEY)
    return decrypt_json(sealed) if sealed else {}


@resident_page
@never_cache
@require_safe
def status_report(request):
    """The status page of the report this session looked up."""
    followed = _followed(request)
    report = get_report_by_code(followed["code"]) if followed else None
    if report is None:
        return redirect("complaints:status")
    return _status_page(
        request,
        report,
        followed["code"],
        add_form=_pending_add_form(followed),
        review_form=_pending_review_form(followed),
        file_errors=followed.get("file_errors", []),
        added=request.session.pop(ADDED_KEY, False),
    )


def _pending_review_form(followed: dict) -> ReviewRequestForm | None:
    if "reason" not in followed:
        return None
    form = ReviewRequestForm({"reason": followed["reason"]})
    form.is_valid()
    return form


def _pending_add_form(followed: dict) -> AddInformationForm:
    """The add form as the resident left it when it could not be saved: their text, checked
    again (so its messages are in the page's language), and why nothing was added."""
    if "text" not in followed:
        return AddInformationForm()
    form = AddInformationForm({"text": followed["text"]})
    if form.is_valid() and followed.get("empty"):
        form.add_error("text", NOTHING_TO_ADD)
    return form


@resident_page
@never_cache
@require_POST
def forget_report(request):
    """ "Done": this browser no longer shows the report (a shared or borrowed computer)."""
    request.session.pop(FOLLOWED_KEY, None)
    request.session.pop(FILED_KEY, None)
    return redirect("complaints:status")


def _throttled(request, form):
    """Every tracking-code lookup counts against the client's limit; past it, a 429 page."""
    if too_many("tracking-lookup", client_identity(request), settings.TRACKING_LOOKUP_RATE):
        return render(
            request, "complaints/status_lookup.html", {"form": form, "throttled": True}, status=429
        )
    return None


def _report_for(form, field: str):
    try:
        report = get_report_by_code(form.cleaned_data[field])
    except tracking.MalformedCode:
        form.add_error(
            field,
            _(
                "A tracking code has 16 letters and numbers, like 7K3M-Q9XW-T2RB-84HN. Check what you typed."
            ),
        )
        return None
    if report is None:
        form.add_error(
            field, _("We could not find a report with this code. Check it and try again.")
        )
    return report


NOTHING_TO_ADD = gettext_lazy("Write something or choose a file to add.")


def _status_page(request, report, code, *, add_form, review_form=None, file_errors=(), added=False):
    followed = followed_report(report)
    closed = followed.status not in OPEN_STATUSES
    return render(
        request,
        "complaints/status.html",
        {
            "report": report,
            "followed": followed,
            "closed": closed,
            "findings": public_findings(followed, reporter_anonymous=report.is_anonymous),
            "code": tracking.format_code(tracking.normalise(code)),
            "timeline": public_timeline(followed),
            "additions": resident_additions(report),
            "add_form": add_form,
            "file_errors": file_errors,
            "added": added,
            "max_files": settings.ATTACHMENT_MAX_FILES,
            "review": review_state(report, followed) if closed else None,
            "review_form": review_form or ReviewRequestForm(),
        },
    )


def _looked_up(request):
    """(report, code, None) for the tracking code a resident's form carried, or (None, None, the
    answer to give instead): back to the lookup, the throttle's refusal, or "not found"."""
    lookup = TrackingLookupForm(request.POST)
    if not lookup.is_valid():
        return None, None, redirect("complaints:status")
    if throttled := _throttled(request, lookup):
        return None, None, throttled
    report = _report_for(lookup, "code")
    if report is None:
        return None, None, render(request, "complaints/status_lookup.html", {"form": lookup})
    return report, lookup.cleaned_data["code"], None


@resident_page
@never_cache
@require_POST
@limit_upload(resident_upload_limit)
def add_information(request):
    report, code, answer = _looked_up(request)
    if answer is not None:
        return answer
    form = AddInformationForm(request.POST)
    files_form = FilesForm(request.POST, request.FILES)
    text = request.POST.get("text", "")
    if not (form.is_valid() and files_form.is_valid()):
        _follow(request, code, text=text)
        return redirect("complaints:status_report")
    uploads = files_form.cleaned_data["files"]
    if not form.cleaned_data["text"] and not uploads:
        _follow(request, code, text=text, empty=True)
        return redirect("complaints:status_report")
    # Stored as drafts first: they become evidence only once the whole addition is saved.
    stored, errors = ingest_attachments(uploads, already=0, draft_key=secrets.token_hex(16))
    if errors:
        # Nothing is half-added: the page says so, keeps the text, and names each refused file.
        discard_unsent_attachments(stored)
        _follow(request, code, text=text, file_errors=errors)
        return redirect("complaints:status_report")
    add_report_update(report=report, text=form.cleaned_data["text"], files=stored)
    _follow(request, code)
    request.session[ADDED_KEY] = True
    return redirect("complaints:status_report")


@resident_page
@never_cache
@require_POST
def ask_for_review(request):
    """The holder of a closed report's code asks for the closure to be looked at again."""
    report, code, answer = _looked_up(request)
    if answer is not None:
        return answer
    form = ReviewRequestForm(request.POST)
    if not form.is_valid():
        _follow(request, code, reason=request.POST.get("reason", ""))
        return redirect("complaints:status_report")
    # If it cannot be asked (asked already, or the report is open again), the page says why.
    with contextlib.suppress(ReviewNotPossible):
        request_review(report=report, reason=form.cleaned_data["reason"])
    _follow(request, code)
    return redirect("complaints:status_report")
