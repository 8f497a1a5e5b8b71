from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from commonground.accounts.decorators import staff_required
from commonground.accounts.rules import can, require
from commonground.complaints.actions import record_staff_view
from commonground.complaints.models import Status
from commonground.investigations.actions import CaseError, StaleCase
from commonground.oversight import actions, forms
from commonground.oversight.models import MeetingStatus
from commonground.oversight.selectors import (
    active_ladder,
    agenda,
    board_meetings,
    case_summary,
    cases_awaiting_board,
    decision_queue,
    get_case_board_file_for_user,
    get_meeting_for_user,
    get_public_meeting,
    get_review_for_user,
    member_state,
    public_meetings,
    public_minutes,
    recommendation_lines,
    review_records,
)


@dataclass(frozen=True)
class BoardAction:
    """A form on a board page and the action it performs."""

    permission: str
    perform: Callable  # (user, object, bound and valid form, version)
    done: str  # what the person is told when it worked
    versioned: bool = False  # the action takes the case version the person saw


def _version(request) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1  # a form without its version is stale


def _run(request, action: BoardAction, obj, form, rerender):
    """Perform an action from a valid form; on refusal, the page again with the message and the
    form as it was filled in (409 when someone else changed the case meanwhile)."""
    version = _version(request) if action.versioned else None
    try:
        action.perform(request.user, obj, form, version)
    except StaleCase as error:
        return rerender(bound=form, error=str(error), status=409)
    except CaseError as error:
        return rerender(bound=form, error=str(error), status=400)
    messages.success(request, action.done)
    return None


def _pick(bound, prefix: str, build: Callable):
    return bound if bound is not None and bound.prefix == prefix else build()


# --- The board's home: meetings and cases awaiting review ----------------------------------------


@never_cache
@staff_required("oversight.view")
def board_home(request):
    return _render_home(request)


def _render_home(request, *, bound=None, error="", status=200):
    upcoming, awaiting_minutes, past = board_meetings(request.user)
    awaiting = cases_awaiting_board(request.user)
    manage = can(request.user, "oversight.manage")
    schedule = agendas = None
    if manage:
        schedule = _pick(bound, "schedule", lambda: forms.ScheduleMeetingForm(prefix="schedule"))
        agendas = [
            # One form per meeting, each with its own ids, all posting the same field names.
            (
                meeting,
                forms.AgendaForm(
                    prefix="agenda", awaiting=awaiting, auto_id=f"id_meeting{meeting.pk}_%s"
                ),
            )
            for meeting in upcoming
            if awaiting
        ]
    return render(
        request,
        "oversight/board_home.html",
        {
            "upcoming": upcoming,
            "awaiting_minutes": awaiting_minutes,
            "past": past,
            "awaiting": awaiting,
            "schedule_form": schedule,
            "agenda_forms": agendas,
            "error": error,
            "form_error": bound is not None and bool(bound.errors),
        },
        status=status,
    )


SCHEDULE = BoardAction(
    "oversight.manage",
    lambda user, _obj, form, _version: actions.schedule_meeting(
        title=form.cleaned_data["title"],
        starts_at=form.cleaned_data["starts_at"],
        place=form.cleaned_data["place"],
        how_to_attend=form.cleaned_data["how_to_attend"],
        agenda_summary=form.cleaned_data["agenda_summary"],
        by=user,
    ),
    gettext_lazy("The meeting was scheduled."),
)


@never_cache
@require_POST
@staff_required(SCHEDULE.permission)
def schedule_meeting(request):
    form = forms.ScheduleMeetingForm(request.POST, prefix="schedule")
    if not form.is_valid():
        return _render_home(request, bound=form, status=400)
    refused = _run(request, SCHEDULE, None, form, lambda **kw: _render_home(request, **kw))
    return refused or redirect("oversight:board_home")


# --- A meeting: its agenda -----------------------------------------------------------------------


MEETING_ACTIONS: dict[str, BoardAction] = {
    "agenda": BoardAction(
        "oversight.manage",
        lambda user, meeting, form, version: actions.add_to_agenda(
            meeting=meeting, cases=form.chosen(), by=user
        ),
        gettext_lazy("The cases were put on the agenda."),
    ),
    "remove": BoardAction(
        "oversight.manage",
        lambda user, meeting, form, version: actions.remove_from_agenda(
            review=form.review(), by=user
        ),
        gettext_lazy("The case was taken off the agenda; it waits for the board again."),
    ),
    "held": BoardAction(
        "oversight.manage",
        lambda user, meeting, form, version: actions.mark_meeting_held(meeting=meeting, by=user),
        gettext_lazy("The meeting was marked as held; its minutes are public."),
    ),
}


def _meeting_form(name, meeting, user, data=None):
    if name == "agenda":
        return forms.AgendaForm(data, prefix=name, awaiting=cases_awaiting_board(user))
    if name == "remove":
        return forms.RemoveItemForm(
            data, prefix=name, reviews=meeting.reviews.filter(closed_at__isnull=True)
        )
    return forms.EmptyForm(data, prefix=name)


def _meeting_forms(request, meeting, bound):
    if not can(request.user, "oversight.manage") or meeting.status != MeetingStatus.SCHEDULED:
        return {}
    names = ["agenda"]
    if meeting.starts_at <= timezone.now():
        names.append("held")
    else:
        names.append("remove")
    built = {
        name: _pick(bound, name, lambda name=name: _meeting_form(name, meeting, request.user))
        for name in names
    }
    if not built["agenda"].fields["cases"].choices and not built["agenda"].is_bound:
        del built["agenda"]
    return built


@never_cache
@staff_required("oversight.view")
def meeting_detail(request, pk):
    return _render_meeting(request, get_meeting_for_user(request.user, pk))


def _render_meeting(request, meeting, *, bound=None, error="", status=200):
    return render(
        request,
        "oversight/meeting_detail.html",
        {
            "meeting": meeting,
            "items": agenda(meeting, request.user),
            "forms": _meeting_forms(request, meeting, bound),
            "held": meeting.status == MeetingStatus.HELD,
            "error": error,
            "form_error": bound is not None and bool(bound.errors),
        },
        status=status,
    )


@never_cache
@require_POST
@staff_required("oversight.view")
def meeting_action(request, pk, name):
    """Every form on the meeting page posts here; the table above says what each one does."""
    return _dispatch(
        request,
        MEETING_ACTIONS.get(name),
        get=lambda: get_meeting_for_user(request.user, pk),
        form=lambda meeting: _meeting_form(name, meeting, request.user, request.POST),
        page=_render_meeting,
        done="oversight:meeting_detail",
    )


# --- A case's review: the summary, votes, recusals, recommendation -------------------------------


REVIEW_ACTIONS: dict[str, BoardAction] = {
    # Anyone who may view the review may try: the action tells a non-member why not.
    "vote": BoardAction(
        "oversight.view",
        lambda user, review, form, version: actions.cast_vote(
            review=review, choice=form.cleaned_data["choice"], by=user
        ),
        gettext_lazy("Your vote was recorded."),
    ),
    "recuse": BoardAction(
        "oversight.view",
        lambda user, review, form, version: actions.declare_recusal(
            review=review, reason=form.cleaned_data["reason"], by=user
        ),
        gettext_lazy("Your recusal was recorded."),
    ),
    "recommend": BoardAction(
        "oversight.manage",
        lambda user, review, form, version: actions.record_recommendation(
            review=review, lines=form.lines(), by=user
        ),
        gettext_lazy("The board's recommendation was recorded."),
    ),
    "close": BoardAction(
        "oversight.manage",
        lambda user, review, form, version: actions.close_review(
            review=review, notes=form.cleaned_data["notes"], by=user, version=version
        ),
        gettext_lazy("The review was closed; the agency's decision is now due."),
        versioned=True,
    ),
    "more": BoardAction(
        "oversight.manage",
        lambda user, review, form, version: actions.request_more_investigation(
            review=review, reason=form.cleaned_data["reason"], by=user, version=version
        ),
        gettext_lazy("The case was sent back for more investigation."),
        versioned=True,
    ),
}


def _review_form(name, review, user, data=None):
    if name == "vote":
        vote = member_state(review, user).vote
        return forms.VoteForm(data, prefix=name, initial={"choice": vote.choice} if vote else {})
    if name == "recuse":
        return forms.RecusalForm(data, prefix=name)
    if name == "recommend":
        return forms.RecommendationForm(
            data,
            prefix=name,
            allegations=list(
                review.case.report.allegations.select_related(
                    "subtype", "involved_officer__officer"
                )
            ),
            start=recommendation_lines(review),
            ladder=active_ladder(),
        )
    if name == "close":
        return forms.CloseReviewForm(data, prefix=name)
    return forms.MoreInvestigationForm(data, prefix=name)


def _review_forms(request, review, state, bound):
    if not review.is_open:
        return {}
    names = []
    if state.is_member and state.recusal is None:
        names.append("vote")
        if state.vote is None:
            names.append("recuse")
    if can(request.user, "oversight.manage"):
        names += ["recommend", "close", "more"]
    return {
        name: _pick(bound, name, lambda name=name: _review_form(name, review, request.user))
        for name in names
    }


@never_cache
@staff_required("oversight.view")
def review_detail(request, pk):
    review = get_review_for_user(request.user, pk)
    record_staff_view(report=review.case.report, by=request.user)
    return _render_review(request, review)


def _render_review(request, review, *, bound=None, error="", status=200):
    state = member_state(review, request.user)
    return render(
        request,
        "oversight/review_detail.html",
        {
            "review": review,
            "case": review.case,
            "summary": case_summary(review.case, request.user),
            "record": review_records([review])[0],
            "state": state,
            "forms": _review_forms(request, review, state, bound),
            "quorum": settings.BOARD_QUORUM,
            "error": error,
            "form_error": bound is not None and bool(bound.errors),
        },
        status=status,
    )


@never_cache
@require_POST
@staff_required("oversight.view")
def review_action(request, pk, name):
    """Every form on the review page posts here; the table above says what each one does."""
    return _dispatch(
        request,
        REVIEW_ACTIONS.get(name),
        get=lambda: get_review_for_user(request.user, pk),
        form=lambda review: _review_form(name, review, request.user, request.POST),
        page=_render_review,
        done="oversight:review_detail",
    )


def _dispatch(request, action, *, get, form, page, done):
    """Check the permission, validate, perform; re-render the page with the bound form and the
    message when something is refused, so nothing typed is lost."""
    if action is None:
        raise Http404
    obj = get()
    require(request.user, action.permission)
    bound = form(obj)

    def rerender(**kwargs):
        return page(request, get(), **kwargs)

    if not bound.is_valid():
        return rerender(bound=bound, status=400)
    refused = _run(request, action, obj, bound, rerender)
    return refused or redirect(done, pk=obj.pk)


# --- A case's reviews and the agency's decision --------------------------------------------------


def _decision_form(file, data=None):
    return forms.DecisionForm(
        data,
        prefix="decide",
        allegations=file.allegations,
        start=file.recommended,
        ladder=active_ladder(),
    )


@never_cache
@staff_required("oversight.view")
def case_reviews(request, pk):
    file = get_case_board_file_for_user(request.user, pk)
    record_staff_view(report=file.report, by=request.user)
    return _render_case(request, file)


def _render_case(request, file, *, bound=None, error="", status=200):
    form = None
    if file.report.status == Status.AGENCY_DECISION and can(
        request.user, "oversight.decide", file.case
    ):
        form = bound or _decision_form(file)
    return render(
        request,
        "oversight/case_reviews.html",
        {
            "file": file,
            "summary": case_summary(file.case, request.user),
            "report": file.report,
            "case": file.case,
            "form": form,
            "error": error,
            "form_error": bound is not None and bool(bound.errors),
        },
        status=status,
    )


DECIDE = BoardAction(
    "oversight.decide",
    lambda user, case, form, version: actions.record_agency_decision(
        case=case,
        lines=form.lines(),
        explanation=form.cleaned_data["explanation"],
        by=user,
        version=version,
    ),
    gettext_lazy("The decision was recorded and the case is closed."),
    versioned=True,
)


@never_cache
@require_POST
@staff_required(DECIDE.permission)
def decide(request, pk):
    file = get_case_board_file_for_user(request.user, pk)
    # The alternate may decide only the cases every agency head is conflicted on.
    require(request.user, DECIDE.permission, file.case)
    form = _decision_form(file, request.POST)

    def rerender(**kwargs):
        return _render_case(request, get_case_board_file_for_user(request.user, pk), **kwargs)

    if not form.is_valid():
        return rerender(bound=form, status=400)
    refused = _run(request, DECIDE, file.case, form, rerender)
    return refused or redirect("oversight:case_reviews", pk=file.report.pk)


@never_cache
@staff_required("oversight.decide")
def decision_queue_view(request):
    return render(
        request,
        "oversight/decision_queue.html",
        {"cases": decision_queue(request.user), "today": timezone.localdate()},
    )


# --- Public: the notice of meetings and the minutes of held ones ---------------------------------


@require_safe
def public_meeting_list(request):
    return render(request, "oversight/public_meetings.html", {"notice": public_meetings()})


@require_safe
def public_minutes_view(request, pk):
    meeting = get_public_meeting(pk)
    return render(
        request,
        "oversight/public_minutes.html",
        {"meeting": meeting, "minutes": public_minutes(meeting)},
    )
