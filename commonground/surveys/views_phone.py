"""Telephone interviewing and paper entry: the phone sample of a wave (staff who draw
samples), the interviewers' queue, one case (its number shown only to the interviewer holding
it), the interview page by page in the respondent's language, and the one-page entry of a paper
questionnaire."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commonground.accounts.decorators import staff_required
from commonground.surveys import actions, selectors
from commonground.surveys import phone as phone_rules
from commonground.surveys.answers import PageForm, first_page_with_error, is_relevant, pages
from commonground.surveys.forms_phone import (
    CallForm,
    MaxAttemptsForm,
    PaperAnswersForm,
    PaperDetailsForm,
    PhoneSampleForm,
)
from commonground.surveys.models import Draft, QuestionKind, Wave, WaveStatus, in_language

INTERVIEW = "surveys.interview"
SAMPLE = "surveys.sample"
PAPER = "surveys.enter_paper"


def _items(form, language: str) -> list:
    """(bound field, None) for each question of a form and (None, text) for each note, in
    order, in the respondent's language."""
    return [
        (
            field,
            None
            if field is not None
            else in_language(question.label, language, question.instrument.default_language),
        )
        for question, field in form.questions_and_fields()
    ]


def _refusal(error: actions.SubmissionRefused) -> str:
    """submit_response's refusals in the staff member's language."""
    if isinstance(error, actions.WaveNotOpen):
        return _("This wave is not taking answers now.")
    if isinstance(error, actions.UnknownCode):
        return _(
            "There is no invitation with this code in this wave. Check the code on the questionnaire."
        )
    if isinstance(error, actions.CodeAlreadyUsed):
        return _(
            "This invitation code has already been used: its questionnaire is already entered."
        )
    if isinstance(error, actions.CaseAlreadyUsed):
        return _("This number already has its interview.")
    return _("Some answers need attention.")


# --- The wave's phone sample (staff who draw samples) ------------------------------------------


@never_cache
@staff_required(SAMPLE)
@require_GET
def phone_samples(request):
    waves = (
        Wave.objects.filter(status__in=[WaveStatus.DRAFT, WaveStatus.OPEN])
        .select_related("survey")
        .order_by("-opens_on", "pk")
    )
    return render(request, "surveys/phone/samples.html", {"waves": waves})


def _render_sample(
    request, wave, *, form=None, attempts_form=None, errors=None, error="", status=200
):
    return render(
        request,
        "surveys/phone/sample.html",
        {
            "wave": wave,
            "progress": selectors.phone_progress(wave),
            "form": form or PhoneSampleForm(),
            "attempts_form": attempts_form
            or MaxAttemptsForm(initial={"max_call_attempts": wave.max_call_attempts}),
            "row_errors": errors or [],
            "error": error,
            "editable": wave.status in (WaveStatus.DRAFT, WaveStatus.OPEN),
            "numbers_kept": wave.phone_cases.filter(phone__isnull=False).exists(),
        },
        status=status,
    )


@never_cache
@staff_required(SAMPLE)
@require_http_methods(["GET", "POST"])
def phone_sample(request, pk):
    wave = selectors.get_wave_for_user(request.user, pk, SAMPLE)
    if request.method == "GET":
        return _render_sample(request, wave)
    form = PhoneSampleForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_sample(request, wave, form=form, status=400)
    try:
        sample = actions.import_phone_sample(
            wave=wave, content=form.cleaned_data["sample_file"].read(), by=request.user
        )
    except actions.PhoneSampleRefused as refused:
        form.add_error("sample_file", str(refused))
        return _render_sample(request, wave, form=form, errors=refused.errors, status=400)
    except actions.PhoneError as error:
        form.add_error(None, str(error))
        return _render_sample(request, wave, form=form, status=400)
    messages.success(
        request,
        _("%(count)s numbers were imported and are ready to call.")
        % {"count": sample.phone_cases.count()},
    )
    return redirect("surveys:phone_sample", pk=wave.pk)


@never_cache
@staff_required(SAMPLE)
@require_POST
def phone_max_attempts(request, pk):
    wave = selectors.get_wave_for_user(request.user, pk, SAMPLE)
    form = MaxAttemptsForm(request.POST)
    if not form.is_valid():
        return _render_sample(request, wave, attempts_form=form, status=400)
    try:
        actions.set_max_call_attempts(
            wave=wave, value=form.cleaned_data["max_call_attempts"], by=request.user
        )
    except actions.PhoneError as error:
        form.add_error(None, str(error))
        return _render_sample(request, wave, attempts_form=form, status=400)
    messages.success(request, _("The number of calls is saved."))
    return redirect("surveys:phone_sample", pk=wave.pk)


@never_cache
@staff_required(SAMPLE)
@require_POST
def phone_erase(request, pk):
    wave = selectors.get_wave_for_user(request.user, pk, SAMPLE)
    try:
        erased = actions.erase_phone_numbers(wave=wave, by=request.user)
    except actions.PhoneError as error:
        return _render_sample(request, wave, error=str(error), status=400)
    messages.success(request, _("%(count)s numbers were erased.") % {"count": erased})
    return redirect("surveys:phone_sample", pk=wave.pk)


# --- The interviewers' queue and one case ------------------------------------------------------


@never_cache
@staff_required(INTERVIEW)
@require_GET
def phone_queue(request):
    return render(
        request,
        "surveys/phone/queue.html",
        {"waves": selectors.interviewer_waves(request.user)},
    )


@never_cache
@staff_required(INTERVIEW)
@require_POST
def phone_next(request, pk):
    wave = selectors.get_wave_for_user(request.user, pk, INTERVIEW)
    try:
        case = actions.take_next_phone_case(wave=wave, by=request.user)
    except actions.PhoneError as error:
        messages.error(request, str(error))
        return redirect("surveys:phone_queue")
    if case is None:
        messages.info(
            request,
            _("There is no number to call in this wave now. Callbacks come back at their time."),
        )
        return redirect("surveys:phone_queue")
    return redirect("surveys:phone_case", pk=case.pk)


def _render_case(request, case, *, form=None, error="", status=200):
    return render(
        request,
        "surveys/phone/case.html",
        {
            "case": case,
            "number": phone_rules.display_phone((case.phone or {}).get("number", "")),
            "dial": (case.phone or {}).get("number", ""),
            "calls": selectors.calls_of(case),
            "form": form or CallForm(),
            "error": error,
            "draft": Draft.objects.filter(key_hash=actions.interview_draft_key(case)).first(),
        },
        status=status,
    )


@never_cache
@staff_required(INTERVIEW)
@require_GET
def phone_case(request, pk):
    return _render_case(request, selectors.get_held_case_for_user(request.user, pk))


@never_cache
@staff_required(INTERVIEW)
@require_POST
def phone_call(request, pk):
    case = selectors.get_held_case_for_user(request.user, pk)
    form = CallForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, form=form, status=400)
    try:
        actions.record_call(case=case, by=request.user, **form.cleaned_data)
    except actions.PhoneError as error:
        return _render_case(request, case, form=form, error=str(error), status=400)
    messages.success(request, _("The call is recorded."))
    return redirect("surveys:phone_queue")


@never_cache
@staff_required(INTERVIEW)
@require_POST
def phone_hand_back(request, pk):
    case = selectors.get_held_case_for_user(request.user, pk)
    try:
        actions.hand_back_phone_case(case=case, by=request.user)
    except actions.PhoneError as error:
        return _render_case(request, case, error=str(error), status=400)
    messages.success(request, _("The number is back in the queue."))
    return redirect("surveys:phone_queue")


# --- The interview, page by page ------------------------------------------------------------------


def _page_is_asked(questions, answers) -> bool:
    return any(q.kind != QuestionKind.NOTE and is_relevant(q, answers) for q in questions)


def _next_number(all_pages, after: int, answers) -> int | None:
    """The next page (from 1) after `after` with a question the answers so far ask."""
    for number in range(after + 1, len(all_pages) + 1):
        if _page_is_asked(all_pages[number - 1], answers):
            return number
    return None


def _previous_number(all_pages, before: int, answers) -> int | None:
    for number in range(before - 1, 0, -1):
        if _page_is_asked(all_pages[number - 1], answers):
            return number
    return None


@never_cache
@staff_required(INTERVIEW)
@require_http_methods(["GET", "POST"])
def phone_interview(request, pk, number):
    case = selectors.get_held_case_for_user(request.user, pk)
    all_pages = pages(case.wave.instrument)
    if not 1 <= number <= len(all_pages):
        return redirect("surveys:phone_interview", pk=case.pk, number=1)
    questions = all_pages[number - 1]
    names = {q.name for q in questions}
    draft = Draft.objects.filter(key_hash=actions.interview_draft_key(case)).first()
    saved = dict(draft.answers) if draft else {}
    known = {name: value for name, value in saved.items() if name not in names}
    error = ""
    if request.method == "POST":
        form = PageForm(questions, language=case.language, known=known, data=request.POST)
        if form.is_valid() and not form.newly_shown(form.answers):
            answers = {**known, **form.answers}
            try:
                actions.save_interview_page(
                    case=case, answers=answers, page=number, by=request.user
                )
                following = _next_number(all_pages, number, answers)
                if following is not None:
                    return redirect("surveys:phone_interview", pk=case.pk, number=following)
                actions.finish_interview(case=case, by=request.user)
            except actions.InvalidAnswers as invalid:
                page = first_page_with_error(case.wave.instrument, invalid.errors) or 1
                messages.error(
                    request, _("Some answers need attention before the interview can be saved.")
                )
                return redirect("surveys:phone_interview", pk=case.pk, number=page)
            except actions.SubmissionRefused as refused:
                return _render_case(request, case, error=_refusal(refused), status=400)
            except actions.PhoneError as refused:
                error = str(refused)
            else:
                messages.success(
                    request,
                    _("Thank you: the interview is saved. It is not linked to this number."),
                )
                return redirect("surveys:phone_queue")
        status = 400
    else:
        form = PageForm(questions, language=case.language, known=known, initial=saved)
        status = 200
    return render(
        request,
        "surveys/phone/interview.html",
        {
            "case": case,
            "form": form,
            "number": number,
            "count": len(all_pages),
            "previous": _previous_number(all_pages, number, saved),
            "last": _next_number(all_pages, number, {**saved, **form.answers}) is None,
            "items": _items(form, case.language),
            "error": error,
        },
        status=status,
    )


# --- Paper questionnaires --------------------------------------------------------------------------


@never_cache
@staff_required(PAPER)
@require_GET
def paper_waves(request):
    return render(request, "surveys/phone/paper_waves.html", {"waves": selectors.open_waves()})


@never_cache
@staff_required(PAPER)
@require_http_methods(["GET", "POST"])
def paper_entry(request, pk):
    wave = selectors.get_wave_for_user(request.user, pk, PAPER)
    instrument = wave.instrument
    data = request.POST if request.method == "POST" else None
    details = PaperDetailsForm(
        data,
        instrument=instrument,
        initial={"language": request.GET.get("language") or instrument.default_language},
    )
    language = (
        details.data.get("paper-language") if data is not None else details.initial["language"]
    )
    if language not in (instrument.languages or [instrument.default_language]):
        language = instrument.default_language
    form = PaperAnswersForm(data, instrument=instrument, language=language)
    names = {code: name for code, name in settings.LANGUAGES}
    error = ""
    status = 200
    if data is not None:
        status = 400
        if details.is_valid() and form.is_valid():
            try:
                actions.enter_paper_response(
                    wave=wave,
                    answers=form.answers(),
                    language=details.cleaned_data["language"],
                    invitation_code=details.cleaned_data["invitation_code"],
                    district=details.cleaned_data["district"],
                    by=request.user,
                )
            except actions.InvalidAnswers as invalid:
                for name, message in invalid.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            except actions.SubmissionRefused as refused:
                if isinstance(refused, actions.UnknownCode | actions.CodeAlreadyUsed):
                    details.add_error("invitation_code", _refusal(refused))
                else:
                    error = _refusal(refused)
            except actions.PhoneError as refused:
                error = str(refused)
            else:
                messages.success(request, _("The questionnaire is saved. Enter the next one."))
                response = redirect("surveys:paper_entry", pk=wave.pk)
                response["Location"] += f"?language={details.cleaned_data['language']}"
                return response
    return render(
        request,
        "surveys/phone/paper_entry.html",
        {
            "wave": wave,
            "details": details,
            "form": form,
            "items": _items(form, language),
            "error": error,
            "language": language,
            "languages": [
                (code, names.get(code, code))
                for code in instrument.languages or [instrument.default_language]
            ],
        },
        status=status,
    )
