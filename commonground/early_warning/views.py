"""Staff pages for early intervention: the supervisor's alerts, one alert with its review and
interventions, an officer's record (also the officer's own), and the report per detector."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from commonground.accounts.decorators import staff_required
from commonground.accounts.rules import can
from commonground.early_warning import actions, forms, indicators, selectors
from commonground.early_warning.models import AlertStatus


@never_cache
@staff_required("early_warning.review")
def alert_list(request):
    filters = forms.AlertFilterForm(request.GET or None)
    show = filters.cleaned_data.get("show") if filters.is_valid() else ""
    alerts = selectors.alerts_for_user(request.user).filter(
        status__in=forms.STATUS_FILTERS[show or "open"]
    )
    # One row per officer, however many detectors flagged them (selectors.AlertsByOfficer).
    grouped = selectors.AlertsByOfficer(alerts)
    page = Paginator(grouped, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "early_warning/alert_list.html",
        {
            "filters": filters,
            "page": page,
            "alert_count": grouped.alert_count(),
            "query": query.urlencode(),
            "follow_ups": selectors.follow_ups_due(request.user, timezone.localdate()),
            "sees_all": can(request.user, "early_warning.view_all"),
            "may_report": can(request.user, "early_warning.report"),
        },
        status=200 if filters.is_valid() or not filters.is_bound else 400,
    )


def follow_up_form(intervention, data=None) -> forms.FollowUpForm:
    return forms.FollowUpForm(data, prefix=f"i{intervention.pk}")


def _render_alert(request, alert, status=200, **forms_given):
    sent = forms_given.get("follow_up_forms", {})
    interventions = list(selectors.interventions_of(alert))
    for planned in interventions:
        planned.form = (
            None if planned.has_ended else sent.get(planned.pk) or follow_up_form(planned)
        )
    context = {
        "alert": alert,
        "interventions": interventions,
        "record": indicators.officer_record(alert.officer, alert.window_end),
        "windows": indicators.RECORD_WINDOWS,
        "review_form": forms_given.get("review_form") or forms.ReviewForm(),
        "intervention_form": forms_given.get("intervention_form") or forms.InterventionForm(),
        "may_review": alert.status == AlertStatus.OPEN,
        "may_plan": alert.status in (AlertStatus.AGREED, AlertStatus.INTERVENTION),
    }
    return render(request, "early_warning/alert_detail.html", context, status=status)


@never_cache
@staff_required("early_warning.review")
def alert_detail(request, pk: int):
    alert = selectors.get_alert_for_user(request.user, pk)
    actions.record_view(by=request.user, target=alert, what="alert")
    return _render_alert(request, alert)


def _act(request, alert, form, do, success: str, **error_forms):
    """Run `do(form.cleaned_data)` if the form is valid; otherwise (or if the action refuses) show
    the alert again with the form as it was sent and what was wrong."""
    if form.is_valid():
        try:
            do(form.cleaned_data)
        except actions.EarlyWarningError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, success)
            return redirect("early_warning:alert_detail", alert.pk)
    return _render_alert(request, alert, status=400, **error_forms)


@require_POST
@staff_required("early_warning.review")
def review(request, pk: int):
    alert = selectors.get_alert_for_user(request.user, pk)
    form = forms.ReviewForm(request.POST)
    return _act(
        request,
        alert,
        form,
        lambda data: actions.review_alert(
            alert=alert, by=request.user, agrees=data["agrees"], reason=data["reason"]
        ),
        _("Your review was saved."),
        review_form=form,
    )


@require_POST
@staff_required("early_warning.review")
def intervention(request, pk: int):
    alert = selectors.get_alert_for_user(request.user, pk)
    form = forms.InterventionForm(request.POST)
    return _act(
        request,
        alert,
        form,
        lambda data: actions.plan_intervention(alert=alert, by=request.user, **data),
        _("The intervention was planned."),
        intervention_form=form,
    )


@require_POST
@staff_required("early_warning.review")
def follow_up(request, pk: int):
    planned = selectors.get_intervention_for_user(request.user, pk)
    form = follow_up_form(planned, request.POST)
    return _act(
        request,
        planned.alert,
        form,
        lambda data: actions.record_follow_up(intervention=planned, by=request.user, **data),
        _("The follow-up was recorded."),
        follow_up_forms={planned.pk: form},
    )


def _record_page(request, officer, *, own: bool):
    """An officer's record; their own shows only the complaints they may know of yet."""
    return render(
        request,
        "early_warning/officer_record.html",
        {
            "officer": officer,
            "own": own,
            "record": indicators.officer_record(officer, timezone.localdate(), seen_by_officer=own),
            "windows": indicators.RECORD_WINDOWS,
            "record_end": timezone.localdate(),
            "alerts": selectors.alerts_about(officer, seen_by_officer=own),
            "complaints_seen": indicators.WHEN_OFFICER_SEES[settings.OFFICER_SEES_COMPLAINT_FROM],
        },
    )


@never_cache
@staff_required("early_warning.review")
def officer_record(request, pk: int):
    if selectors.is_own(request.user, pk):
        return redirect("early_warning:my_record")
    officer = selectors.get_officer_record_for_user(request.user, pk)
    actions.record_view(by=request.user, target=officer, what="officer_record")
    return _record_page(request, officer, own=False)


@never_cache
@staff_required()
def my_record(request):
    officer = selectors.own_officer(request.user)
    if officer is None:
        return render(request, "early_warning/no_record.html")
    actions.record_view(by=request.user, target=officer, what="own_record")
    return _record_page(request, officer, own=True)


@never_cache
@staff_required("early_warning.report")
def report(request):
    period = forms.PeriodForm(request.GET or None)
    valid = period.is_valid() if period.is_bound else True
    data = period.cleaned_data if period.is_bound and valid else {}
    return render(
        request,
        "early_warning/report.html",
        {
            "period": period,
            "rows": selectors.detector_report(request.user, data.get("start"), data.get("end"))
            if valid
            else [],
            "show_reasons": can(request.user, "early_warning.view_all"),
        },
        status=200 if valid else 400,
    )
