"""Focus groups (staff): sessions, their participants and notes, the survey's codebook of
themes, coding passages of the notes, and theme counts compared by participant group."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from commonground.accounts.decorators import staff_required
from commonground.surveys import actions, selectors
from commonground.surveys.categories import Variable
from commonground.surveys.forms_focus import (
    ExcerptForm,
    FocusGroupForm,
    ParticipantForm,
    ThemeForm,
)
from commonground.surveys.models import in_language

PERMISSION = "surveys.focus_groups"


def _refused(form, refused: ValidationError) -> None:
    if hasattr(refused, "error_dict"):
        for name, errors in refused.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, refused.messages)


@never_cache
@staff_required(PERMISSION)
@require_GET
def focus_home(request):
    surveys = [(survey, selectors.focus_sessions(survey)) for survey in selectors.focus_surveys()]
    return render(request, "surveys/focus/home.html", {"surveys": surveys})


@never_cache
@staff_required(PERMISSION)
def focus_new(request, pk: int):
    survey = selectors.get_survey_for_focus(request.user, pk)
    form = FocusGroupForm(
        request.POST or None,
        survey=survey,
        initial={"language": request.LANGUAGE_CODE, "facilitator": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        try:
            group = actions.record_focus_group(survey=survey, by=request.user, **form.details())
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(
                request, _("The session is recorded. Add its participants, then code its notes.")
            )
            return redirect("surveys:focus_detail", group.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "surveys/focus/session_form.html", {"form": form, "survey": survey}, status=status
    )


def _render_detail(request, group, *, participant_form=None, excerpt_form=None, status=200):
    return render(
        request,
        "surveys/focus/detail.html",
        {
            "group": group,
            "participants": selectors.focus_participants(group),
            "excerpts": selectors.focus_excerpts(group),
            "participant_form": participant_form or ParticipantForm(),
            "excerpt_form": excerpt_form or ExcerptForm(group=group),
            "has_themes": group.survey.themes.exists(),
        },
        status=status,
    )


@never_cache
@staff_required(PERMISSION)
@require_GET
def focus_detail(request, pk: int):
    group = selectors.get_focus_group_for_user(request.user, pk)
    actions.view_focus_group(group=group, by=request.user)
    return _render_detail(request, group)


@never_cache
@staff_required(PERMISSION)
def focus_edit(request, pk: int):
    group = selectors.get_focus_group_for_user(request.user, pk)
    form = FocusGroupForm(
        request.POST or None, survey=group.survey, initial=FocusGroupForm.initial_from(group)
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_focus_group(group=group, by=request.user, **form.details())
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, _("The session is saved."))
            return redirect("surveys:focus_detail", group.pk)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "surveys/focus/session_form.html",
        {"form": form, "survey": group.survey, "group": group},
        status=status,
    )


@never_cache
@staff_required(PERMISSION)
@require_POST
def focus_add_participant(request, pk: int):
    group = selectors.get_focus_group_for_user(request.user, pk)
    form = ParticipantForm(request.POST)
    if form.is_valid():
        try:
            participant = actions.add_participant(group=group, by=request.user, **form.details())
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(
                request, _("Participant %(tag)s is added.") % {"tag": participant.label}
            )
            return redirect("surveys:focus_detail", group.pk)
    return _render_detail(request, group, participant_form=form, status=400)


@never_cache
@staff_required(PERMISSION)
@require_POST
def focus_code(request, pk: int):
    group = selectors.get_focus_group_for_user(request.user, pk)
    form = ExcerptForm(request.POST, group=group)
    if form.is_valid():
        try:
            coded = actions.code_excerpt(
                group=group,
                by=request.user,
                theme=form.cleaned_data["theme"],
                participant=form.cleaned_data["participant"],
                excerpt=form.cleaned_data["excerpt"],
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(
                request, _("The passage is coded with the theme %(code)s.") % {"code": coded.theme}
            )
            return redirect("surveys:focus_detail", group.pk)
    return _render_detail(request, group, excerpt_form=form, status=400)


@never_cache
@staff_required(PERMISSION)
@require_POST
def focus_uncode(request, pk: int):
    excerpt = selectors.get_excerpt_for_user(request.user, pk)
    group = excerpt.group
    actions.remove_excerpt(excerpt=excerpt, by=request.user)
    messages.success(request, _("The coding is removed; the notes are unchanged."))
    return redirect("surveys:focus_detail", group.pk)


def _render_codebook(request, survey, form, status=200):
    return render(
        request,
        "surveys/focus/codebook.html",
        {"survey": survey, "themes": selectors.codebook(survey), "form": form},
        status=status,
    )


@never_cache
@staff_required(PERMISSION)
def focus_themes(request, pk: int):
    survey = selectors.get_survey_for_focus(request.user, pk)
    form = ThemeForm(request.POST or None, survey=survey)
    if request.method == "POST" and form.is_valid():
        try:
            theme = actions.save_theme(
                survey=survey,
                by=request.user,
                code=form.cleaned_data["code"],
                label=form.label(),
                description=form.cleaned_data["description"],
                parent=form.cleaned_data["parent"],
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, _("The theme %(code)s is added.") % {"code": theme.code})
            return redirect("surveys:focus_themes", survey.pk)
    return _render_codebook(request, survey, form, status=400 if form.is_bound else 200)


@never_cache
@staff_required(PERMISSION)
def focus_theme_edit(request, pk: int):
    theme = selectors.get_theme_for_user(request.user, pk)
    survey = theme.survey
    form = ThemeForm(
        request.POST or None, survey=survey, theme=theme, initial=ThemeForm.initial_from(theme)
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_theme(
                survey=survey,
                by=request.user,
                theme=theme,
                code=form.cleaned_data["code"],
                label=form.label(),
                description=form.cleaned_data["description"],
                parent=form.cleaned_data["parent"],
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, _("The theme is saved."))
            return redirect("surveys:focus_themes", survey.pk)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "surveys/focus/theme_form.html",
        {"form": form, "survey": survey, "theme": theme},
        status=status,
    )


# The comparisons offered, in the order the page lists them.
COMPARE_BY = [
    Variable.AGE_BAND,
    Variable.SEX,
    Variable.RACE_ETHNICITY,
    Variable.TENURE,
    Variable.DISTRICT,
]


@never_cache
@staff_required(PERMISSION)
@require_GET
def focus_compare(request, pk: int):
    survey = selectors.get_survey_for_focus(request.user, pk)
    by = request.GET.get("by") or Variable.AGE_BAND
    if by not in COMPARE_BY:
        by = Variable.AGE_BAND
    counts = selectors.focus_theme_counts(survey, by=by)
    language = request.LANGUAGE_CODE
    captions = {
        "participants": _("Participants who mentioned each theme, by %(group)s")
        % {"group": Variable(by).label.lower()},
        "sessions": _("Sessions in which each theme came up, by %(group)s")
        % {"group": Variable(by).label.lower()},
    }
    tables = [
        {
            "measure": measure,
            "caption": caption,
            "rows": [
                {
                    "label": in_language(row["label"], language) or row["code"],
                    "indent": "\u2013 " * row["depth"],
                    "cells": row[measure],
                }
                for row in counts["themes"]
            ],
        }
        for measure, caption in captions.items()
    ]
    return render(
        request,
        "surveys/focus/compare.html",
        {
            "survey": survey,
            "counts": counts,
            "tables": tables,
            "by": by,
            "choices": [(value, Variable(value).label) for value in COMPARE_BY],
            # The smallest count shown exactly.
            "shown_from": counts["threshold"] + 1,
        },
    )
