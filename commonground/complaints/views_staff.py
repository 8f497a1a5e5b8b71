import datetime

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from commonground.accounts.decorators import staff_required
from commonground.complaints import tracking
from commonground.complaints.actions import file_report, ingest_attachments
from commonground.complaints.forms import FilesForm
from commonground.complaints.intake import build_input
from commonground.complaints.staff_forms import (
    CallerForm,
    ClerkNarrativeForm,
    ClerkWhenWhereForm,
    KindForm,
    OfficerRowForm,
    PersonRowForm,
    ReceiptForm,
    Rows,
    check_badge,
)
from commonground.evidence.decorators import limit_upload
from commonground.evidence.files import resident_upload_limit
from commonground.evidence.models import StoredFile
from commonground.lib.crypto import keyed_hash
from commonground.roster.selectors import roster_officers_by_id, search_officers

SINGLE = {
    "receipt": ReceiptForm,
    "kind": KindForm,
    "reporter": CallerForm,
    "when": ClerkWhenWhereForm,
    "what": ClerkNarrativeForm,
}
SEARCH_RESULTS = 10


def _single_forms(post=None, *, bound: bool = False) -> dict:
    if post is None:
        made = {name: form(prefix=name) for name, form in SINGLE.items()}
        made["receipt"].initial["received_on"] = timezone.localdate()
        return made
    if bound:
        return {name: form(post, prefix=name) for name, form in SINGLE.items()}
    # Carrying on (a row added, an officer found): show what was typed, without judging it yet.
    return {
        name: form(
            prefix=name,
            initial={f: post.get(f"{name}-{f}") for f in form.base_fields if f"{name}-{f}" in post},
        )
        for name, form in SINGLE.items()
    }


@never_cache
@staff_required("complaints.intake")
@limit_upload(resident_upload_limit)
def staff_intake(request):
    """One page for a report received by phone, at the counter, by post, e-mail or a partner."""
    if request.method != "POST":
        page = _Page(
            forms=_single_forms(),
            officers=Rows("officer", OfficerRowForm, [{}]),
            people=Rows("person", PersonRowForm, [{}]),
            token=tracking.new_submission_token(),
        )
        return page.render(request)
    post = request.POST
    token = post.get("submission_token", "")
    draft_key = _staff_draft_key(token)
    kept = list(StoredFile.objects.filter(draft_key=draft_key, uuid__in=post.getlist("kept_files")))
    files_form = FilesForm(post, request.FILES, prefix="files")
    stored, file_errors = [], []
    if files_form.is_valid():
        stored, file_errors = ingest_attachments(
            files_form.cleaned_data["files"], already=len(kept), draft_key=draft_key
        )
    kept += stored
    page = _Page(
        forms=_single_forms(post),
        officers=Rows.from_post("officer", OfficerRowForm, post),
        people=Rows.from_post("person", PersonRowForm, post),
        token=token,
        kept=kept,
        file_errors=file_errors,
        query=post.get("officer_search", "").strip(),
    )
    action = post.get("action", "file")
    if action == "file" and page.query:
        # Enter pressed in the search box, or a search left without choosing: search, file later.
        page.notice = _(
            "You searched the roster but added no officer. Add one, or clear the search box, "
            "then file the report."
        )
        action = "find"
    if action != "file":
        page.carry_on(request.user, action)
        return page.render(request)
    page.forms = _single_forms(post, bound=True)
    officer_forms = page.officers.forms(bound=True)
    person_forms = page.people.forms(bound=True)
    every = [*page.forms.values(), *officer_forms, *person_forms]
    # Rows left empty are valid (empty_permitted) and skipped below.
    if not all(f.is_valid() for f in every) or file_errors:
        page.bound = True
        return page.render(request, status=400)
    f = {name: form.cleaned_data for name, form in page.forms.items()}
    filed = file_report(
        data=build_input(
            kind=f["kind"],
            reporter=f["reporter"],
            when=f["when"],
            what=f["what"],
            officers=[o.cleaned_data for o in officer_forms if o.has_changed()],
            people=[p.cleaned_data for p in person_forms if p.has_changed()],
        ),
        submission_token=token,
        channel=f["receipt"]["channel"],
        by=request.user,
        files=kept,
        received_at=_received_at(f["receipt"]["received_on"]),
    )
    return render(
        request,
        "complaints/staff/intake_done.html",
        {
            "report": filed.report,
            "tracking_code": filed.tracking_code,
            "officers": [
                {"involved": o, "check": None if o.officer_id else check_badge(o.badge_given)}
                for o in filed.report.officers.select_related("officer", "officer__unit")
            ],
            "emailed": bool((filed.report.reporter_contact or {}).get("email")),
        },
    )


class _Page:
    """The intake page as the clerk left it: the forms, the rows, the roster search."""

    def __init__(self, *, forms, officers, people, token, kept=(), file_errors=(), query=""):
        self.forms, self.officers, self.people, self.token = forms, officers, people, token
        self.kept, self.file_errors, self.query = list(kept), list(file_errors), query
        self.results = None
        self.bound = False
        self.notice = ""
        self.focus = ""

    def carry_on(self, user, action: str) -> None:
        """A button that changes the page, not a submission: nothing is checked or filed."""
        if action == "find":
            self.results = _search(user, self.query)
            self.focus = "officer-search"
        elif action.startswith("pick-"):
            officer_id = _number(action.removeprefix("pick-"))
            listed = {_number(row.get("officer_id")) for row in self.officers.rows}
            if officer_id in listed:
                self.notice = _("That officer is already on this report.")
            elif officer_id in roster_officers_by_id([officer_id]):
                self.officers.add({"officer_id": str(officer_id)})
            self.query = ""
            self.focus = "officer-search"
        elif action == "add-officer":
            self.focus = f"id_officer-{self.officers.add()}-name_given"
        elif action.startswith("remove-officer-"):
            self.officers.remove(_number(action.removeprefix("remove-officer-")))
            self.focus = "officer-search"
        elif action == "add-person":
            self.focus = f"id_person-{self.people.add()}-role"
        elif action.startswith("remove-person-"):
            self.people.remove(_number(action.removeprefix("remove-person-")))
            self.focus = "add-person"

    def render(self, request, status=200):
        officer_forms = self.officers.forms(bound=self.bound)
        picked = roster_officers_by_id(_number(r.get("officer_id")) for r in self.officers.rows)
        officer_rows = []
        for row, form in zip(self.officers.rows, officer_forms, strict=True):
            officer = picked.get(_number(row.get("officer_id")))
            officer_rows.append(
                {
                    "form": form,
                    "officer": officer,
                    "check": None if officer else check_badge(row.get("badge_given", "")),
                }
            )
        person_forms = self.people.forms(bound=self.bound)
        # The row just added takes the focus (on load without JavaScript, after the swap with).
        for form in [*officer_forms, *person_forms]:
            for field in form:
                if field.auto_id == self.focus:
                    field.field.widget.attrs["autofocus"] = True
        return render(
            request,
            "complaints/staff/intake.html",
            {
                **self.forms,
                "officer_rows": officer_rows,
                "person_forms": person_forms,
                "kept_files": self.kept,
                "file_errors": self.file_errors,
                "submission_token": self.token,
                "has_errors": status == 400,
                "query": self.query,
                "results": self.results,
                "notice": self.notice,
                "focus": self.focus,
            },
            status=status,
        )


def _number(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _search(user, query: str):
    if len(query) < 2:
        return []
    return list(search_officers(user, query)[:SEARCH_RESULTS])


@never_cache
@staff_required("complaints.intake")
@require_GET
def staff_officer_search(request):
    """The roster search's results as the clerk types (htmx); the page works without it."""
    query = (request.GET.get("officer_search") or request.GET.get("q") or "").strip()
    return render(
        request,
        "complaints/staff/_officer_results.html",
        {"results": _search(request.user, query), "query": query},
    )


@never_cache
@staff_required("complaints.intake")
@require_GET
def staff_badge_check(request):
    """What the roster says about a badge as it is typed (htmx); filing says it again."""
    badge = next((v for k, v in request.GET.items() if k.endswith("badge_given")), "")
    return render(request, "complaints/staff/_badge_check.html", {"check": check_badge(badge)})


def _received_at(day):
    now = timezone.localtime()
    if day == now.date():
        return now
    # Mail and partner referrals arrive on a day, not at a time: record noon local time.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _staff_draft_key(token: str) -> str:
    return keyed_hash(token, "staff-intake-draft") if token else "-"
