"""The staff's questionnaire pages under /staff/surveys/: surveys, their questionnaires (built
by hand, from the question bank or from an XLSForm file), the builder, and waves."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from commonground.accounts.decorators import staff_required
from commonground.accounts.rules import can
from commonground.surveys import actions, selectors, xlsform
from commonground.surveys import forms_form as forms
from commonground.surveys.models import WaveStatus

PERMISSION = "surveys.design"


def _refused(form, refused: ValidationError) -> None:
    if hasattr(refused, "error_dict"):
        for name, errors in refused.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, refused.messages)


def _status(form) -> int:
    return 400 if form.is_bound else 200


@staff_required(PERMISSION)
@require_GET
def survey_list(request):
    return render(
        request,
        "surveys/form/survey_list.html",
        {"surveys": selectors.surveys_for_designer(request.user)},
    )


@staff_required(PERMISSION)
def survey_new(request):
    form = forms.SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = actions.create_survey(
                by=request.user,
                slug=form.cleaned_data["slug"],
                title=form.titles(),
                description=form.descriptions(),
                min_effective_n=form.cleaned_data["min_effective_n"],
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, _("The survey was created. Add its questionnaire next."))
            return redirect("surveys:form_survey_detail", survey.pk)
    return render(request, "surveys/form/survey_form.html", {"form": form}, status=_status(form))


@staff_required(PERMISSION)
@require_GET
def survey_detail(request, pk: int):
    survey = selectors.get_survey_for_designer(request.user, pk)
    return render(
        request,
        "surveys/form/survey_detail.html",
        {
            "survey": survey,
            "instruments": survey.instruments.order_by("name", "-version"),
            "waves": survey.waves.select_related("instrument").order_by("-opens_on", "-pk"),
        },
    )


def _instrument_page(request, pk: int, *, kind: str):
    survey = selectors.get_survey_for_designer(request.user, pk)
    form_class = {"new": forms.InstrumentForm, "bank": forms.BankForm}[kind]
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        arguments = {
            "survey": survey,
            "by": request.user,
            "name": form.cleaned_data["name"],
            "title": form.titles(),
            "languages": form.cleaned_data["languages"],
        }
        try:
            if kind == "bank":
                instrument = actions.build_instrument_from_bank(
                    topics=form.cleaned_data["topics"], **arguments
                )
            else:
                instrument = actions.create_instrument(**arguments)
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, _("The questionnaire was created."))
            return redirect("surveys:form_instrument_detail", instrument.pk)
    return render(
        request,
        "surveys/form/instrument_form.html",
        {"form": form, "survey": survey, "kind": kind},
        status=_status(form),
    )


@staff_required(PERMISSION)
def instrument_new(request, pk: int):
    return _instrument_page(request, pk, kind="new")


@staff_required(PERMISSION)
def instrument_bank(request, pk: int):
    return _instrument_page(request, pk, kind="bank")


@staff_required(PERMISSION)
def instrument_import(request, pk: int):
    survey = selectors.get_survey_for_designer(request.user, pk)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            instrument = actions.import_instrument(
                survey=survey, by=request.user, upload=form.cleaned_data["file"]
            )
        except actions.XLSFormRefused as refused:
            problems = refused.problems
            form.add_error(
                "file",
                _("The file has %(n)s problem(s), listed above. Nothing was imported.")
                % {"n": len(problems)},
            )
        else:
            messages.success(request, _("The questionnaire was imported."))
            return redirect("surveys:form_instrument_detail", instrument.pk)
    return render(
        request,
        "surveys/form/instrument_import.html",
        {"form": form, "survey": survey, "problems": problems},
        status=_status(form),
    )


@staff_required(PERMISSION)
@require_GET
def instrument_detail(request, pk: int):
    instrument = selectors.get_instrument_for_designer(request.user, pk)
    questions = selectors.builder_questions(instrument)
    pages: dict[int, list] = {}
    for question in questions:
        pages.setdefault(question.page, []).append(question)
    return render(
        request,
        "surveys/form/instrument_detail.html",
        {
            "instrument": instrument,
            "survey": instrument.survey,
            "pages": sorted(pages.items()),
            "lists": instrument.lists.prefetch_related("choices", "questions"),
            "locked": selectors.instrument_is_locked(instrument),
            "waves": instrument.waves.order_by("-opens_on"),
        },
    )


@staff_required(PERMISSION)
@require_GET
def instrument_xlsform(request, pk: int):
    instrument = selectors.get_instrument_for_designer(request.user, pk)
    response = HttpResponse(
        xlsform.write(instrument),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"{instrument.name}-v{instrument.version}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_required(PERMISSION)
@require_POST
def instrument_copy(request, pk: int):
    instrument = selectors.get_instrument_for_designer(request.user, pk)
    copy = actions.copy_instrument(instrument=instrument, by=request.user)
    messages.success(
        request,
        _("Version %(n)s was made; change it, then use it in the next wave.") % {"n": copy.version},
    )
    return redirect("surveys:form_instrument_detail", copy.pk)


def _locked_redirect(request, instrument):
    messages.error(
        request,
        _(
            "This questionnaire is used by a wave that has opened, so it cannot change. "
            "Copy it to a new version and change the copy."
        ),
    )
    return redirect("surveys:form_instrument_detail", instrument.pk)


def _question_page(request, instrument, question=None):
    if selectors.instrument_is_locked(instrument):
        return _locked_redirect(request, instrument)
    initial = forms.QuestionForm.initial_from(question) if question else None
    if question is None:
        last = selectors.builder_questions(instrument)[-1:]
        initial = {"page": last[0].page if last else 1}
    form = forms.QuestionForm(request.POST or None, instrument=instrument, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_question(
                instrument=instrument,
                by=request.user,
                data=form.data_for_action(),
                question=question,
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, _("The question %(name)s was saved.") % {"name": saved.name})
            return redirect("surveys:form_instrument_detail", instrument.pk)
    return render(
        request,
        "surveys/form/question_form.html",
        {
            "form": form,
            "instrument": instrument,
            "question": question,
            "names": [q.name for q in selectors.builder_questions(instrument)],
        },
        status=_status(form),
    )


@staff_required(PERMISSION)
def question_new(request, pk: int):
    instrument = selectors.get_instrument_for_designer(request.user, pk)
    return _question_page(request, instrument)


@staff_required(PERMISSION)
def question_edit(request, pk: int, question: int):
    instrument = selectors.get_instrument_for_designer(request.user, pk)
    found = selectors.get_question_for_designer(request.user, instrument, question)
    return _question_page(request, instrument, found)


@staff_required(PERMISSION)
@require_POST
def question_move(request, pk: int, question: int):
    instrument = selectors.get_instrument_for_designer(request.user, pk)
    found = selectors.get_question_for_designer(request.user, instrument, question)
    try:
        actions.move_question(
            question=found, by=request.user, direction=request.POST.get("direction", "")
        )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    return redirect(f"{_detail_url(instrument)}#q-{found.pk}")


@staff_required(PERMISSION)
@require_POST
def question_delete(request, pk: int, question: int):
    instrument = selectors.get_instrument_for_designer(request.user, pk)
    found = selectors.get_question_for_designer(request.user, instrument, question)
    try:
        actions.delete_question(question=found, by=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, _("The question %(name)s was removed.") % {"name": found.name})
    return redirect("surveys:form_instrument_detail", instrument.pk)


def _detail_url(instrument) -> str:
    from django.urls import reverse

    return reverse("surveys:form_instrument_detail", args=[instrument.pk])


def _list_page(request, instrument, choice_list=None):
    if selectors.instrument_is_locked(instrument):
        return _locked_redirect(request, instrument)
    initial = None
    if choice_list is not None:
        initial = {
            "name": choice_list.name,
            "choices": actions.choice_lines(choice_list, list(instrument.languages)),
        }
    form = forms.ChoiceListForm(request.POST or None, instrument=instrument, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_choice_list(
                instrument=instrument,
                by=request.user,
                name=form.cleaned_data["name"],
                choices=actions.parse_choice_lines(
                    form.cleaned_data["choices"], list(instrument.languages)
                ),
                choice_list=choice_list,
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, _("The list %(name)s was saved.") % {"name": saved.name})
            return redirect("surveys:form_instrument_detail", instrument.pk)
    return render(
        request,
        "surveys/form/list_form.html",
        {"form": form, "instrument": instrument, "choice_list": choice_list},
        status=_status(form),
    )


@staff_required(PERMISSION)
def list_new(request, pk: int):
    instrument = selectors.get_instrument_for_designer(request.user, pk)
    return _list_page(request, instrument)


@staff_required(PERMISSION)
def list_edit(request, pk: int, choice_list: int):
    instrument = selectors.get_instrument_for_designer(request.user, pk)
    found = selectors.get_choice_list_for_designer(request.user, instrument, choice_list)
    return _list_page(request, instrument, found)


@staff_required(PERMISSION)
@require_POST
def list_delete(request, pk: int, choice_list: int):
    instrument = selectors.get_instrument_for_designer(request.user, pk)
    found = selectors.get_choice_list_for_designer(request.user, instrument, choice_list)
    try:
        actions.delete_choice_list(choice_list=found, by=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, _("The list %(name)s was removed.") % {"name": found.name})
    return redirect("surveys:form_instrument_detail", instrument.pk)


def _wave_values(form) -> dict:
    data = form.cleaned_data
    return {
        "label": data["label"],
        "opens_on": data["opens_on"],
        "closes_on": data["closes_on"],
        "instrument": data["instrument"],
        "open_link": data["open_link"],
    }


@staff_required(PERMISSION)
def wave_new(request, pk: int):
    survey = selectors.get_survey_for_designer(request.user, pk)
    latest = survey.instruments.order_by("-created_at", "-pk").first()
    form = forms.WaveForm(
        request.POST or None, survey=survey, initial={"instrument": latest.pk if latest else None}
    )
    if request.method == "POST" and form.is_valid():
        try:
            wave = actions.create_wave(survey=survey, by=request.user, **_wave_values(form))
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, _("The wave was created. Open it when it is ready."))
            return redirect("surveys:form_wave_detail", wave.pk)
    return render(
        request,
        "surveys/form/wave_form.html",
        {"form": form, "survey": survey},
        status=_status(form),
    )


# The status a wave may be moved to from the page, with the button's words.
def _next_steps(wave, user) -> list[tuple[str, str]]:
    words = {
        WaveStatus.OPEN: _("Open the wave"),
        WaveStatus.CLOSED: _("Close the wave"),
        WaveStatus.PUBLISHED: _("Publish the wave"),
    }
    return [
        (to, words[to])
        for to in actions.WAVE_TRANSITIONS[wave.status]
        if can(user, actions.WAVE_TRANSITION_PERMISSION[to])
    ]


@staff_required(PERMISSION)
def wave_detail(request, pk: int):
    wave = selectors.get_wave_for_designer(request.user, pk)
    editable = wave.status in (WaveStatus.DRAFT, WaveStatus.OPEN)
    initial = {
        "label": wave.label,
        "instrument": wave.instrument_id,
        "opens_on": wave.opens_on,
        "closes_on": wave.closes_on,
        "open_link": wave.open_link,
    }
    form = forms.WaveForm(
        (request.POST or None) if editable else None, survey=wave.survey, initial=initial
    )
    if request.method == "POST":
        if not editable:
            messages.error(request, _("A closed or published wave never changes."))
            return redirect("surveys:form_wave_detail", wave.pk)
        if form.is_valid():
            try:
                actions.edit_wave(wave=wave, by=request.user, **_wave_values(form))
            except ValidationError as refused:
                _refused(form, refused)
            else:
                messages.success(request, _("The wave was saved."))
                return redirect("surveys:form_wave_detail", wave.pk)
    return render(
        request,
        "surveys/form/wave_detail.html",
        {
            "wave": wave,
            "survey": wave.survey,
            "form": form,
            "editable": editable,
            "steps": _next_steps(wave, request.user),
            "phone_cases": wave.phone_cases.count(),
        },
        status=_status(form) if editable else 200,
    )


@staff_required(PERMISSION)
@require_POST
def wave_status(request, pk: int):
    wave = selectors.get_wave_for_designer(request.user, pk)
    try:
        wave = actions.transition_wave(wave=wave, to=request.POST.get("to", ""), by=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(
            request, _("The wave is now: %(status)s.") % {"status": wave.get_status_display()}
        )
    return redirect("surveys:form_wave_detail", wave.pk)
