from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from commonground.accounts.decorators import staff_required
from commonground.accounts.freshness import ask_for_fresh_mfa, fresh_mfa_required, has_fresh_mfa
from commonground.accounts.rules import can, require
from commonground.complaints.actions import record_staff_view
from commonground.complaints.models import Kind, Outcome, Status
from commonground.complaints.selectors import can_see_personal_data
from commonground.investigations import actions, forms, selectors
from commonground.investigations.selectors import (
    CASE_SORTS,
    DEFAULT_CASE_SORT,
    QUEUES,
    get_case_for_user,
    ia_overview,
    investigator_candidates,
    new_reports,
    queue_cases,
    queue_counts,
)

S = Status


@never_cache
@staff_required("complaints.view_cases")
def case_list(request):
    form = forms.CaseListForm(request.GET or None)
    search = form.search()
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") not in CASE_SORTS:
        sort = DEFAULT_CASE_SORT
    reports = selectors.case_list(request.user, form.filters(), search=search, sort=sort)
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    unsorted = query.copy()
    unsorted.pop("sort", None)
    return render(
        request,
        "investigations/case_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "columns": _sortable_columns(unsorted.urlencode(), sort),
            "searched": bool(search),
            "filtered": any(v not in (None, "") for v in form.filters().values()),
        },
    )


@dataclass(frozen=True)
class SortableColumn:
    key: str
    label: str
    href: str  # the list sorted by this column: ascending, or reversed when already ascending
    aria_sort: str  # "ascending", "descending" or "" when the list is not sorted by it


def _sortable_columns(query: str, sort: str) -> dict[str, SortableColumn]:
    labels = {
        "reference": gettext_lazy("Reference"),
        "status": gettext_lazy("Status"),
        "received": gettext_lazy("Received"),
        "deadline": gettext_lazy("Deadline"),
    }
    columns = {}
    for key, label in labels.items():
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        next_sort = f"-{key}" if current and not descending else key
        columns[key] = SortableColumn(
            key=key,
            label=label,
            href="?" + "&".join(filter(None, [query, f"sort={next_sort}"])),
            aria_sort=("descending" if descending else "ascending") if current else "",
        )
    return columns


@dataclass(frozen=True)
class CaseAction:
    """A form on the case page and the action it performs."""

    permission: str
    statuses: frozenset[str]
    form: type
    perform: Callable  # (user, report, case, cleaned data, version)
    done: str  # what the person is told when it worked
    kind: str = Kind.COMPLAINT
    needs_candidates: bool = False


def _involved(report, pk):
    return report.officers.get(pk=pk)


CASE_ACTIONS: dict[str, CaseAction] = {
    "open": CaseAction(
        "investigations.triage",
        frozenset({S.RECEIVED}),
        forms.EmptyForm,
        lambda user, report, case, data, version: actions.open_case(report=report, by=user),
        gettext_lazy("Triage started."),
    ),
    "identify": CaseAction(
        "investigations.triage",
        frozenset({S.RECEIVED, S.TRIAGE, S.INVESTIGATION}),
        forms.IdentifyOfficerForm,
        lambda user, report, case, data, version: actions.identify_officer(
            involved=_involved(report, data["involved"]),
            officer=data["officer"],
            role=data["role"],
            by=user,
            version=version,
        ),
        gettext_lazy("The officer was linked to the roster."),
        kind="",
    ),
    "add_officer": CaseAction(
        "investigations.investigate",
        frozenset({S.TRIAGE, S.INVESTIGATION}),
        forms.AddOfficerForm,
        lambda user, report, case, data, version: actions.add_officer(
            case=case, officer=data["officer"], role=data["role"], by=user, version=version
        ),
        gettext_lazy("The officer was added to the case."),
    ),
    "allegation": CaseAction(
        "investigations.investigate",
        frozenset({S.TRIAGE, S.INVESTIGATION}),
        forms.AllegationForm,
        lambda user, report, case, data, version: actions.add_allegation(
            case=case,
            involved=_involved(report, data["involved"]),
            category=data["category"],
            subtype=data["subtype"],
            summary=data["summary"],
            by=user,
            version=version,
        ),
        gettext_lazy("The allegation was added."),
    ),
    "remove_allegation": CaseAction(
        "investigations.investigate",
        frozenset({S.TRIAGE, S.INVESTIGATION}),
        forms.RemoveAllegationForm,
        lambda user, report, case, data, version: actions.remove_allegation(
            allegation=report.allegations.get(pk=data["allegation"]), by=user, version=version
        ),
        gettext_lazy("The allegation was removed."),
    ),
    "merge": CaseAction(
        "investigations.triage",
        frozenset({S.TRIAGE}),
        forms.MergeForm,
        lambda user, report, case, data, version: actions.merge_duplicate(
            case=case, into=data["into"], reason=data["reason"], by=user, version=version
        ),
        gettext_lazy("The report was closed as a duplicate."),
    ),
    "route": CaseAction(
        "investigations.triage",
        frozenset({S.TRIAGE, S.MEDIATION}),
        forms.RouteForm,
        lambda user, report, case, data, version: actions.route_case(
            case=case,
            to=data["to"],
            reason=data["reason"],
            investigator=data["investigator"],
            by=user,
            version=version,
        ),
        gettext_lazy("The case was sent on."),
        needs_candidates=True,
    ),
    "close": CaseAction(
        "investigations.triage",
        frozenset({S.TRIAGE, S.MEDIATION}),
        forms.CloseForm,
        lambda user, report, case, data, version: actions.close_case(
            case=case,
            outcome=data["outcome"],
            reason=data["reason"],
            referred_to=data["referred_to"],
            by=user,
            version=version,
        ),
        gettext_lazy("The case was closed."),
    ),
    "assign": CaseAction(
        "investigations.assign",
        frozenset({S.TRIAGE, S.INVESTIGATION, S.MEDIATION, S.SUPERVISOR_REVIEW}),
        forms.AssignForm,
        lambda user, report, case, data, version: actions.assign_investigator(
            case=case, investigator=data["investigator"], by=user, version=version
        ),
        gettext_lazy("The investigator was assigned."),
        needs_candidates=True,
    ),
    "pause": CaseAction(
        "investigations.toll",
        frozenset(S.values) - {S.RECEIVED, S.CLOSED, S.FORWARDED},
        forms.PauseForm,
        lambda user, report, case, data, version: actions.pause_clock(
            case=case, reason=data["reason"], by=user, version=version
        ),
        gettext_lazy("The clock is paused."),
    ),
    "resume": CaseAction(
        "investigations.toll",
        frozenset(S.values) - {S.RECEIVED, S.CLOSED, S.FORWARDED},
        forms.EmptyForm,
        lambda user, report, case, data, version: actions.resume_clock(
            case=case, by=user, version=version
        ),
        gettext_lazy("The clock runs again."),
    ),
    "log": CaseAction(
        "investigations.investigate",
        frozenset(S.values) - {S.RECEIVED, S.CLOSED, S.FORWARDED},
        forms.LogForm,
        lambda user, report, case, data, version: actions.add_log_entry(
            case=case,
            kind=data["kind"],
            occurred_at=data["occurred_at"],
            occurred_on=data["occurred_on"],
            person=data["person"],
            summary=data["summary"],
            uploads=data["files"],
            by=user,
        ),
        gettext_lazy("The entry was added to the log."),
    ),
    "findings": CaseAction(
        "investigations.investigate",
        frozenset({S.INVESTIGATION}),
        forms.FindingsForm,
        lambda user, report, case, data, version: actions.propose_findings(
            case=case, findings=data["_form"].findings(), by=user, version=version
        ),
        gettext_lazy("The proposed findings were saved."),
    ),
    "submit": CaseAction(
        "investigations.investigate",
        frozenset({S.INVESTIGATION}),
        forms.EmptyForm,
        lambda user, report, case, data, version: actions.submit_findings(
            case=case, by=user, version=version
        ),
        gettext_lazy("The findings were sent for approval."),
    ),
    "review": CaseAction(
        "investigations.approve",
        frozenset({S.SUPERVISOR_REVIEW}),
        forms.ReviewForm,
        lambda user, report, case, data, version: actions.review_findings(
            case=case,
            decision=data["decision"],
            comments=data["comments"],
            by=user,
            version=version,
        ),
        gettext_lazy("Your decision on the findings was recorded."),
    ),
    "footage": CaseAction(
        "investigations.investigate",
        frozenset({S.TRIAGE, S.INVESTIGATION}),
        forms.FootageForm,
        lambda user, report, case, data, version: actions.decide_footage(
            link=case.evidence_links.get(pk=data["link"]),
            by=user,
            confirm=data["decision"] == "confirm",
            note=data["note"],
            version=version,
        ),
        gettext_lazy("The decision on the footage was recorded."),
    ),
    "find_footage": CaseAction(
        "investigations.investigate",
        frozenset({S.TRIAGE, S.INVESTIGATION}),
        forms.EmptyForm,
        lambda user, report, case, data, version: actions.suggest_footage(case=case),
        gettext_lazy("Body-worn camera footage was looked for again."),
    ),
    "forward": CaseAction(
        "investigations.triage",
        frozenset({S.RECEIVED}),
        forms.EmptyForm,
        lambda user, report, case, data, version: actions.forward_commendation(
            report=report, by=user
        ),
        gettext_lazy("The commendation was forwarded."),
        kind=Kind.COMMENDATION,
    ),
}
# Changing a finding asks for a second factor used in the last few minutes (sudo mode).
FRESH_MFA_ACTIONS = {"findings", "review"}


def _applies(action: CaseAction, user, report, case) -> bool:
    if action.kind and action.kind != report.kind:
        return False
    if report.status not in action.statuses:
        return False
    if report.kind == Kind.COMPLAINT and report.status != S.RECEIVED and case is None:
        return False
    return can(user, action.permission, case or report)


def _build_form(name, report, case, candidates, data=None, files=None):
    action = CASE_ACTIONS[name]
    kwargs = {"prefix": name}
    if action.needs_candidates:
        kwargs["candidates"] = candidates
    return action.form(report, case, data, files, **kwargs)


@never_cache
@staff_required("complaints.view_cases")
def case_detail(request, pk):
    report, case = get_case_for_user(request.user, pk)
    record_staff_view(report=report, by=request.user)
    return _render_case(request, report, case)


def _render_case(request, report, case, *, bound=None, error="", status=200):
    available = [
        name for name, a in CASE_ACTIONS.items() if _applies(a, request.user, report, case)
    ]
    candidates = (
        investigator_candidates(case)
        if case and any(CASE_ACTIONS[n].needs_candidates for n in available)
        else []
    )
    case_forms = {
        name: (bound if bound and bound.prefix == name else None)
        or _build_form(name, report, case, candidates)
        for name in available
    }
    return render(
        request,
        "investigations/case_detail.html",
        {
            "report": report,
            "case": case,
            "personal": can_see_personal_data(request.user, report),
            "forms": case_forms,
            "error": error,
            "timeline": report.status_changes.select_related("changed_by"),
            "log": case.log.select_related("author").prefetch_related("attachments__stored_file")
            if case
            else [],
            "allegations": report.allegations.select_related(
                "involved_officer__officer", "subtype", "proposed_finding__approved_by"
            ),
            "duplicates": report.duplicates.all(),
            "footage": case.evidence_links.select_related("item__recording__officer", "decided_by")
            if case
            else [],
            "sees_evidence": can(request.user, "evidence.view"),
            "referral": report.outcome == Outcome.REFERRED,
            "today": timezone.localdate(),
            "perms_queues": can(request.user, "investigations.queues"),
        },
        status=status,
    )


@never_cache
@require_POST
@staff_required("complaints.view_cases")
def case_action(request, pk, name):
    """Every form on the case page posts here; the table above says what each one does."""
    action = CASE_ACTIONS.get(name)
    if action is None:
        raise Http404
    report, case = get_case_for_user(request.user, pk)
    require(request.user, action.permission, case or report)
    if name in FRESH_MFA_ACTIONS and not has_fresh_mfa(request):
        return ask_for_fresh_mfa(request)  # what was typed is kept and sent on afterwards
    candidates = investigator_candidates(case) if case and action.needs_candidates else []
    form = _build_form(name, report, case, candidates, request.POST, request.FILES)
    if not form.is_valid():
        return _render_case(request, report, case, bound=form, status=400)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None if case is None else -1  # a form without its version is stale
    try:
        action.perform(request.user, report, case, {**form.cleaned_data, "_form": form}, version)
    except actions.StaleCase as error:
        report, case = get_case_for_user(request.user, pk)
        return _render_case(request, report, case, bound=form, error=str(error), status=409)
    except actions.CaseError as error:
        report, case = get_case_for_user(request.user, pk)
        return _render_case(request, report, case, bound=form, error=str(error), status=400)
    messages.success(request, action.done)
    return redirect("investigations:case_detail", pk=report.pk)


@never_cache
@staff_required("investigations.triage")
@fresh_mfa_required
def referral_letter(request, pk):
    """The referral letter, printable for reporters who gave a postal address."""
    report, case = get_case_for_user(request.user, pk)
    if case is None or report.outcome != Outcome.REFERRED:
        raise Http404
    return render(
        request,
        "investigations/referral_letter.html",
        {
            "report": report,
            "case": case,
            "referred_to": case.referred_to,
            "agency": settings.AGENCY_NAME,
            "contact": report.reporter_contact or {},
        },
    )


@never_cache
@staff_required("investigations.queues")
def queues(request, name="mine"):
    if name not in QUEUES:
        raise Http404
    page = Paginator(queue_cases(request.user, name), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "investigations/queues.html",
        {
            "queues": QUEUES,
            "current": name,
            "queue": QUEUES[name],
            "counts": queue_counts(request.user),
            "page": page,
            "new_reports": new_reports(request.user).count(),
            "today": timezone.localdate(),
            "query": "",
        },
    )


@never_cache
@staff_required("investigations.queues")
def new_report_list(request):
    page = Paginator(new_reports(request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "investigations/new_reports.html",
        {"page": page, "query": "", "counts": queue_counts(request.user), "queues": QUEUES},
    )


@never_cache
@staff_required("investigations.overview")
def overview(request):
    stages = ia_overview(request.user)
    return render(
        request,
        "investigations/overview.html",
        {"stages": stages, "open_total": sum(s.open_now for s in stages)},
    )
