"""Calls and letters to make: the queue, one task, and the forms that record what was done."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from commonground.accounts.decorators import staff_required
from commonground.correspondence import actions
from commonground.correspondence.forms import CallForm, ReturnedForm, TaskFilterForm
from commonground.correspondence.models import TaskKind, TaskStatus
from commonground.correspondence.selectors import get_task_for_user, open_counts, tasks_for_user

PERMISSION = "correspondence.contact"


@never_cache
@staff_required(PERMISSION)
def task_list(request):
    form = TaskFilterForm(request.GET or None)
    kind, status = "", TaskStatus.OPEN
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        status = form.cleaned_data["status"] or TaskStatus.OPEN
    tasks = tasks_for_user(request.user, kind=kind, status="" if status == "all" else status)
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    query = "&".join(f"{k}={v}" for k, v in (("kind", kind), ("status", status)) if v)
    return render(
        request,
        "correspondence/task_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "counts": open_counts(request.user),
            "today": timezone.localdate(),
        },
    )


def _render_task(request, task, *, call_form=None, returned_form=None, error="", status=200):
    contact = task.report.reporter_contact or {}
    return render(
        request,
        "correspondence/task_detail.html",
        {
            "task": task,
            "name": contact.get("name", ""),
            "phone": contact.get("phone", "") if task.kind == TaskKind.CALL else "",
            "address": contact.get("address", "") if task.kind == TaskKind.LETTER else "",
            "call_form": call_form or CallForm(),
            "returned_form": returned_form or ReturnedForm(),
            "today": timezone.localdate(),
            "error": error,
        },
        status=status,
    )


@never_cache
@staff_required(PERMISSION)
def task_detail(request, pk):
    return _render_task(request, get_task_for_user(request.user, pk))


@never_cache
@require_POST
@staff_required(PERMISSION)
def record_call(request, pk):
    task = get_task_for_user(request.user, pk)
    form = CallForm(request.POST)
    if not form.is_valid():
        return _render_task(request, task, call_form=form, status=400)
    try:
        task = actions.record_call(task=task, by=request.user, **form.cleaned_data)
    except actions.CorrespondenceError as error:
        return _render_task(request, task, call_form=form, error=str(error), status=400)
    if task.is_open:
        messages.success(request, _("The call is recorded. Try again later."))
        return redirect("correspondence:task_detail", pk=task.pk)
    messages.success(request, _("The call is recorded and the task is finished."))
    return redirect("correspondence:task_list")


@never_cache
@staff_required(PERMISSION)
def letter_pdf(request, pk):
    task = get_task_for_user(request.user, pk)
    try:
        pdf = actions.letter_for_printing(task=task, by=request.user)
    except actions.CorrespondenceError as error:
        return _render_task(request, task, error=str(error), status=400)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="letter-{task.report.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_POST
@staff_required(PERMISSION)
def letter_posted(request, pk):
    task = get_task_for_user(request.user, pk)
    try:
        actions.mark_letter_posted(task=task, by=request.user)
    except actions.CorrespondenceError as error:
        return _render_task(request, task, error=str(error), status=400)
    messages.success(request, _("The letter is marked as posted."))
    return redirect("correspondence:task_list")


@never_cache
@require_POST
@staff_required(PERMISSION)
def letter_returned(request, pk):
    task = get_task_for_user(request.user, pk)
    form = ReturnedForm(request.POST)
    if not form.is_valid():
        return _render_task(request, task, returned_form=form, status=400)
    try:
        actions.mark_letter_returned(task=task, by=request.user, **form.cleaned_data)
    except actions.CorrespondenceError as error:
        return _render_task(request, task, returned_form=form, error=str(error), status=400)
    messages.success(request, _("The letter is marked as returned."))
    return redirect("correspondence:task_detail", pk=task.pk)
