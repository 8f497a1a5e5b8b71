"""The resident's questionnaire online, under /survey/: no account, one page at a time, in the
resident's language, with or without JavaScript.

A resident comes in by typing the code from their letter (a POST: the code never travels in a
URL they type), by the letter's link or QR code (`/survey/c/<code>/`, which the server exchanges
at once for a questionnaire in their session and redirects away from, so the code stays in
neither the address bar, the history nor a Referer), or by the open link when the wave offers
one. Their answers are kept page by page in a `Draft` whose key lives in their session (for a
code, a keyed hash of the code, so typing it again on another device resumes); sending deletes
the draft in the transaction that stores the response (`actions.submit_response`).

Every POST redirects (post/redirect/get): a page with errors redirects to itself and shows
what was typed, with its messages, from the session; so a reload or a change of language never
loses an answer. No view logs, stores or echoes the code in a URL; a refused link is answered
with a redirect, never a 4xx whose path a server log would keep."""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from commonground.lib.crypto import decrypt_json, encrypt_json
from commonground.surveys import codes
from commonground.surveys.actions import (
    CodeAlreadyUsed,
    InvalidAnswers,
    UnknownCode,
    WaveNotOpen,
    discard_draft,
    draft_key_for_code,
    new_draft_key,
    save_draft_page,
    start_draft,
    submit_response,
)
from commonground.surveys.answers import (
    PageForm,
    as_form_data,
    clean_answers,
    first_page_with_error,
    is_relevant,
    pages,
)
from commonground.surveys.forms_online import CodeForm
from commonground.surveys.models import (
    CHOICE_KINDS,
    Channel,
    Draft,
    QuestionKind,
    Recruitment,
    Wave,
    WaveStatus,
    in_language,
)
from commonground.surveys.selectors import (
    get_draft,
    get_invitation_by_code,
    get_public_survey,
    get_wave_for_draft,
    latest_wave,
    open_link_wave,
    surveys_with_open_links,
)
from commonground.web.ratelimit import client_identity, too_many
from commonground.web.resident import resident_page

# What the resident's session keeps: the questionnaire in progress (its wave, its draft's key,
# the code encrypted, how they were recruited), a page's refused input, a refusal to explain on
# the start page, and the wave just sent (for the thank-you page).
CURRENT_KEY = "survey_online"
UNSENT_KEY = "survey_online_unsent"
REFUSAL_KEY = "survey_online_refusal"
SENT_KEY = "survey_online_sent"
STOPPED_KEY = "survey_online_stopped"

# Every code a client tries counts, whatever it looks like, so typing a wrong code in another
# case or with other spacing is just another try. Overridable in settings.
DEFAULT_CODE_RATE = "10/15m"


def _code_rate() -> str:
    return getattr(settings, "SURVEY_CODE_RATE", DEFAULT_CODE_RATE)


# Questionnaires begun through the open link by one connection (each keeps a draft).
DEFAULT_OPEN_LINK_RATE = "20/h"


def _open_link_rate() -> str:
    return getattr(settings, "SURVEY_OPEN_LINK_RATE", DEFAULT_OPEN_LINK_RATE)


# --- Refusals: why a code or a link does not open a questionnaire -----------------------------


@dataclass(frozen=True)
class Refusal:
    reason: str  # one of the keys of `_refusal_message`
    wave_id: int | None = None
    status: int = 200

    def as_session(self) -> dict:
        return {"reason": self.reason, "wave": self.wave_id}


def _refusal_message(reason: str, wave) -> str:
    """The refusal in the page's language (worked out when shown, so a change of language
    translates it too)."""
    if reason == "malformed":
        return _(
            "An invitation code has 12 letters and numbers, like 7KQ2-M9XD-4HRT. "
            "Check what you typed against your letter."
        )
    if reason == "unknown":
        return _(
            "We could not find an invitation with this code. Check it against your letter "
            "and try again."
        )
    if reason == "used":
        return _(
            "This code has already been used: the questionnaire it opens has been sent. "
            "Each code opens one questionnaire, so that every household counts once."
        )
    if reason == "not_yet" and wave is not None:
        return _("This survey is not open yet. It opens on %(date)s; your code will work then.") % {
            "date": _date(wave.opens_on)
        }
    if reason == "closed" and wave is not None:
        return _(
            "This survey closed on %(date)s and no longer takes answers. Thank you for wanting "
            "to take part."
        ) % {"date": _date(wave.closes_on)}
    if reason == "throttled":
        return _(
            "Too many codes have been tried from this connection. Please wait 15 minutes and "
            "try again, or call us and we will help."
        )
    if reason == "gone":
        return _(
            "We could not find your questionnaire. If you have a code, type it again: the "
            "answers you gave are kept."
        )
    return _("This survey is not taking answers now.")


def _date(value) -> str:
    return date_format(value, "DATE_FORMAT")


def _wave_refusal(wave) -> Refusal | None:
    if wave.status == WaveStatus.OPEN:
        return None
    reason = "not_yet" if wave.status == WaveStatus.DRAFT else "closed"
    return Refusal(reason, wave.pk)


# --- The questionnaire in the session ----------------------------------------------------------


@dataclass
class Questionnaire:
    wave: Wave
    draft: Draft
    key_hash: str
    code: str | None
    recruitment: str


def _begin(request, *, wave, key_hash: str, code: str | None, recruitment: str) -> None:
    request.session.pop(UNSENT_KEY, None)
    request.session.pop(SENT_KEY, None)
    request.session[CURRENT_KEY] = {
        "wave": wave.pk,
        "draft": key_hash,
        "code": encrypt_json(code) if code else "",
        "recruitment": recruitment,
    }


def _forget(request) -> None:
    for key in (CURRENT_KEY, UNSENT_KEY):
        request.session.pop(key, None)


def _current(request) -> Questionnaire | None:
    kept = request.session.get(CURRENT_KEY)
    if not kept:
        return None
    wave = get_wave_for_draft(kept["wave"])
    draft = get_draft(kept["draft"], wave) if wave else None
    if draft is None:
        return None
    return Questionnaire(
        wave=wave,
        draft=draft,
        key_hash=kept["draft"],
        code=decrypt_json(kept["code"]) if kept["code"] else None,
        recruitment=kept["recruitment"],
    )


def _language(wave) -> str:
    """The page's language when the questionnaire has it, else the questionnaire's own."""
    current = get_language() or wave.instrument.default_language
    if current in (wave.instrument.languages or []):
        return current
    return wave.instrument.default_language


def _lost(request):
    """No questionnaire in this session: the thank-you page if it was just sent, else the start
    page with the reason."""
    if request.session.get(SENT_KEY):
        return redirect("surveys:online_thanks")
    kept = request.session.get(CURRENT_KEY)
    _forget(request)
    if kept:
        request.session[REFUSAL_KEY] = _why_gone(kept).as_session()
    return redirect("surveys:online_start")


def _why_gone(kept: dict) -> Refusal:
    """Why a questionnaire this session began has no draft: sent with its code (from another
    device, or by a click that lost the race), its wave closed, or not known."""
    if kept.get("code"):
        invitation = get_invitation_by_code(decrypt_json(kept["code"]))
        if invitation is not None and invitation.used:
            return Refusal("used", invitation.wave_id)
    wave = get_wave_for_draft(kept.get("wave"))
    if wave is not None and (refusal := _wave_refusal(wave)):
        return refusal
    return Refusal("gone")


# --- Coming in: a code typed, a code's link, the open link -------------------------------------


def _enter_with_code(request, typed: str) -> HttpResponseRedirect | Refusal:
    """Open (or resume) the questionnaire a code lets in, or say why not."""
    if too_many("survey-code", client_identity(request), _code_rate()):
        return Refusal("throttled", status=429)
    try:
        code = codes.normalise(typed)
    except codes.MalformedCode:
        return Refusal("malformed")
    invitation = get_invitation_by_code(code)
    if invitation is None:
        return Refusal("unknown")
    if invitation.used:
        return Refusal("used", invitation.wave_id)
    wave = invitation.wave
    if refusal := _wave_refusal(wave):
        return refusal
    key_hash = draft_key_for_code(code)
    language = _language(wave)
    try:
        draft = start_draft(wave=wave, key_hash=key_hash, language=language)
    except WaveNotOpen:
        return Refusal("closed", wave.pk)
    recruitment = Recruitment.ADDRESS_SAMPLE if invitation.sample_id else Recruitment.IN_PERSON
    _begin(request, wave=wave, key_hash=key_hash, code=code, recruitment=recruitment)
    return _resume(wave, draft)


def _resume(wave, draft) -> HttpResponseRedirect:
    """Where a resumed questionnaire continues: the page the resident was going to."""
    count = len(pages(wave.instrument))
    if draft.page > count:
        return redirect("surveys:online_review")
    return redirect("surveys:online_page", number=max(draft.page, 1))


@resident_page
@never_cache
@require_http_methods(["GET", "POST"])
def start(request):
    """Type the code from the letter; or pick a survey open to everyone."""
    form = CodeForm(request.POST or None)
    status = 200
    message = ""
    if request.method == "POST" and form.is_valid():
        outcome = _enter_with_code(request, form.cleaned_data["code"])
        if isinstance(outcome, HttpResponseRedirect):
            return outcome
        wave = get_wave_for_draft(outcome.wave_id) if outcome.wave_id else None
        form.add_error("code", _refusal_message(outcome.reason, wave))
        status = outcome.status
    elif request.method == "GET" and (kept := request.session.pop(REFUSAL_KEY, None)):
        wave = get_wave_for_draft(kept["wave"]) if kept.get("wave") else None
        message = _refusal_message(kept["reason"], wave)
    current = _current(request)
    return render(
        request,
        "surveys/online/start.html",
        {
            "form": form,
            "refusal": message,
            "stopped": request.session.pop(STOPPED_KEY, "") if request.method == "GET" else "",
            "open_surveys": [
                (wave.survey.slug, _title(wave.survey)) for wave in surveys_with_open_links()
            ],
            "resume_url": _resume(current.wave, current.draft).url if current else "",
        },
        status=status,
    )


@resident_page
@never_cache
@require_safe
def code_link(request, code):
    """The letter's link and QR code: exchanged at once for a questionnaire in this session,
    then redirected away from, so the code stays in no address bar, history or Referer."""
    outcome = _enter_with_code(request, code)
    if isinstance(outcome, HttpResponseRedirect):
        return outcome
    request.session[REFUSAL_KEY] = outcome.as_session()
    return redirect("surveys:online_start")


@resident_page
@never_cache
@require_http_methods(["GET", "POST"])
def open_link(request, survey):
    """The open link: anyone may answer while the wave offers it (answers counted apart from
    the random sample's)."""
    found = get_public_survey(survey)
    if found is None:
        return render(request, "surveys/online/not_found.html", status=404)
    wave = open_link_wave(found)
    if wave is None:
        return render(
            request,
            "surveys/online/not_open.html",
            {"survey": found, "title": _title(found), "wave": latest_wave(found)},
        )
    throttled = False
    if request.method == "POST":
        current = _current(request)
        if current is not None and current.wave.pk == wave.pk:
            return _resume(wave, current.draft)
        # Each start keeps a draft: a connection starting questionnaire after questionnaire
        # is stopped before it fills the table.
        throttled = too_many("survey-open-link", client_identity(request), _open_link_rate())
        if not throttled:
            key_hash = new_draft_key()
            try:
                draft = start_draft(wave=wave, key_hash=key_hash, language=_language(wave))
            except WaveNotOpen:
                return redirect(request.path)
            _begin(
                request, wave=wave, key_hash=key_hash, code=None, recruitment=Recruitment.OPEN_LINK
            )
            return _resume(wave, draft)
    return render(
        request,
        "surveys/online/open.html",
        {
            "survey": found,
            "wave": wave,
            "title": _title(found),
            "description": in_language(found.description, get_language()),
            "pages": len(pages(wave.instrument)),
            "throttled": throttled,
        },
        status=429 if throttled else 200,
    )


def _title(survey) -> str:
    return in_language(survey.title, get_language()) or survey.slug


# --- Answering, page by page -------------------------------------------------------------------


def _shown_pages(all_pages, answers) -> list[int]:
    """The numbers (from 1) of the pages with a question the answers so far do not skip."""
    return [
        number
        for number, questions in enumerate(all_pages, start=1)
        if any(is_relevant(q, answers) for q in questions)
    ]


def _after(shown: list[int], number: int) -> int | None:
    return next((n for n in shown if n > number), None)


def _before(shown: list[int], number: int) -> int | None:
    return next((n for n in reversed(shown) if n < number), None)


def _posted(request, questions) -> dict:
    """This page's input as posted, list per name (for showing it again)."""
    names = {q.name for q in questions}
    return {name: request.POST.getlist(name) for name in request.POST if name in names}


def _page_data(questions, answers) -> dict:
    """A page's saved answers as its form would post them, list per name."""
    data = {}
    for question in questions:
        value = as_form_data(question, answers.get(question.name))
        if value is not None:
            data[question.name] = value if isinstance(value, list) else [value]
    return data


def _as_query(values: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, items in values.items():
        data.setlist(name, items)
    return data


def _closed(request, wave):
    _forget(request)
    request.session[REFUSAL_KEY] = (_wave_refusal(wave) or Refusal("closed", wave.pk)).as_session()
    return redirect("surveys:online_start")


@resident_page
@never_cache
@require_http_methods(["GET", "POST"])
def page(request, number):
    current = _current(request)
    if current is None:
        return _lost(request)
    wave, draft = current.wave, current.draft
    if wave.status != WaveStatus.OPEN:
        return _closed(request, wave)
    all_pages = pages(wave.instrument)
    if not 1 <= number <= len(all_pages):
        return redirect("surveys:online_page", number=1)
    questions = all_pages[number - 1]
    language = _language(wave)
    back_to_review = request.GET.get("then") == "review" or request.POST.get("then") == "review"
    if request.method == "POST":
        return _page_posted(request, current, all_pages, number, language, back_to_review)

    shown = _shown_pages(all_pages, draft.answers)
    unsent = request.session.get(UNSENT_KEY)
    if unsent and unsent.get("page") == number and unsent.get("wave") == wave.pk:
        form = PageForm(
            questions, language=language, known=draft.answers, data=_as_query(unsent["data"])
        )
        form.is_valid()
    else:
        if number not in shown:
            following = _after(shown, number)
            if following is None:
                return redirect("surveys:online_review")
            return redirect("surveys:online_page", number=following)
        form = PageForm(questions, language=language, known=draft.answers, initial=draft.answers)
    position = shown.index(number) + 1 if number in shown else 1
    previous = _before(shown, number)
    return render(
        request,
        "surveys/online/page.html",
        {
            "wave": wave,
            "title": _title(wave.survey),
            "form": form,
            "items": _items(form, wave, language),
            "shown_names": ",".join(form.fields),
            "number": number,
            "position": position,
            "total": max(len(shown), 1),
            "previous": previous,
            "is_last": _after(shown, number) is None,
            "back_to_review": back_to_review,
            "with_code": current.code is not None,
            "more_questions": request.GET.get("more") == "1",
        },
    )


def _items(form, wave, language):
    """(bound field, None) per question shown, (None, the note's words) per note."""
    form.label_suffix = ""  # a question ends with its own "?" or "."
    default = wave.instrument.default_language
    return [
        (field, None if field is not None else in_language(q.label, language, default))
        for q, field in form.questions_and_fields()
    ]


def _page_posted(request, current, all_pages, number, language, back_to_review):
    wave, draft = current.wave, current.draft
    questions = all_pages[number - 1]
    going_back = request.POST.get("action") == "back"
    form = PageForm(questions, language=language, known=draft.answers, data=request.POST)
    displayed = set(request.POST.get("shown", "").split(","))
    if not form.is_valid() and not going_back and not set(form.errors) & displayed:
        # Only questions this page's answers have just opened lack an answer: ask them, with
        # no error for what the resident has not yet seen.
        saved = save_draft_page(
            draft=draft,
            page_names=[q.name for q in questions],
            answers=form.answers,
            page=number,
            language=language,
        )
        if saved is None:
            return _lost(request)
        request.session.pop(UNSENT_KEY, None)
        url = reverse("surveys:online_page", kwargs={"number": number}) + "?more=1"
        return redirect(url + ("&then=review" if back_to_review else ""))
    if not form.is_valid():
        # Shown again by the GET page (with its messages), in whatever language is chosen next.
        request.session[UNSENT_KEY] = {
            "wave": wave.pk,
            "page": number,
            "data": _posted(request, questions),
        }
        if going_back:
            shown = _shown_pages(all_pages, draft.answers)
            previous = _before(shown, number)
            if previous is not None:
                return redirect("surveys:online_page", number=previous)
        return redirect(request.get_full_path())
    request.session.pop(UNSENT_KEY, None)
    names = {q.name for q in questions}
    answers = {k: v for k, v in draft.answers.items() if k not in names} | form.answers
    shown = _shown_pages(all_pages, answers)
    newly = form.newly_shown(form.answers)
    if going_back:
        target = _before(shown, number) or number
    elif newly:
        target = number
    elif back_to_review:
        target = len(all_pages) + 1
    else:
        target = _after(shown, number) or len(all_pages) + 1
    saved = save_draft_page(
        draft=draft,
        page_names=[q.name for q in questions],
        answers=form.answers,
        page=target,
        language=language,
    )
    if saved is None:
        return _lost(request)
    if newly and not going_back:
        # An answer on this page asks another question on it: show the page again to ask it.
        url = reverse("surveys:online_page", kwargs={"number": number}) + "?more=1"
        return redirect(url + ("&then=review" if back_to_review else ""))
    if target > len(all_pages):
        return redirect("surveys:online_review")
    return redirect("surveys:online_page", number=target)


# --- Review, send, thanks ----------------------------------------------------------------------


def _shown_answer(question, value, language: str) -> str:
    """An answer as the resident would read it, in their language."""
    default = question.instrument.default_language
    if question.kind in CHOICE_KINDS:
        labels = {
            c.value: in_language(c.label, language, default) or c.value
            for c in question.choice_list.choices.all()
        }
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, v) for v in values)
    return as_form_data(question, value) or ""


def _review_rows(instrument, answers, errors, language):
    """(page number, question label, answer as read, error) for every question asked."""
    rows = []
    for number, questions in enumerate(pages(instrument), start=1):
        for question in questions:
            if question.kind == QuestionKind.NOTE or not is_relevant(question, answers):
                continue
            value = answers.get(question.name)
            rows.append(
                {
                    "page": number,
                    "name": question.name,
                    "label": in_language(question.label, language, instrument.default_language)
                    or question.name,
                    "answer": _shown_answer(question, value, language) if value is not None else "",
                    "error": errors.get(question.name, ""),
                }
            )
    return rows


@resident_page
@never_cache
@require_safe
def review(request):
    current = _current(request)
    if current is None:
        return _lost(request)
    wave, draft = current.wave, current.draft
    if wave.status != WaveStatus.OPEN:
        return _closed(request, wave)
    language = _language(wave)
    kept, errors = clean_answers(wave.instrument, draft.answers, language=language)
    all_pages = pages(wave.instrument)
    shown = _shown_pages(all_pages, kept)
    return render(
        request,
        "surveys/online/review.html",
        {
            "wave": wave,
            "title": _title(wave.survey),
            "rows": _review_rows(wave.instrument, kept, errors, language),
            "errors": errors,
            "previous": shown[-1] if shown else 1,
            "total": len(shown),
        },
    )


@resident_page
@never_cache
@require_POST
def send(request):
    current = _current(request)
    if current is None:
        return _lost(request)
    wave, draft = current.wave, current.draft
    language = _language(wave)
    try:
        submit_response(
            wave=wave,
            answers=dict(draft.answers),
            language=language,
            channel=Channel.WEB,
            recruitment=current.recruitment,
            invitation_code=current.code,
            draft_key_hash=current.key_hash,
        )
    except InvalidAnswers as refused:
        first = first_page_with_error(wave.instrument, refused.errors)
        if first is None:
            return redirect("surveys:online_review")
        # The page opens with its answers checked again, so its messages show.
        questions = pages(wave.instrument)[first - 1]
        request.session[UNSENT_KEY] = {
            "wave": wave.pk,
            "page": first,
            "data": _page_data(questions, draft.answers),
        }
        return redirect(reverse("surveys:online_page", kwargs={"number": first}) + "?then=review")
    except CodeAlreadyUsed:
        _forget(request)
        request.session[REFUSAL_KEY] = Refusal("used", wave.pk).as_session()
        return redirect("surveys:online_start")
    except UnknownCode:
        _forget(request)
        request.session[REFUSAL_KEY] = Refusal("unknown").as_session()
        return redirect("surveys:online_start")
    except WaveNotOpen:
        return _closed(request, wave)
    _forget(request)
    request.session[SENT_KEY] = {"wave": wave.pk}
    return redirect("surveys:online_thanks")


@resident_page
@never_cache
@require_safe
def thanks(request):
    sent = request.session.get(SENT_KEY)
    wave = get_wave_for_draft(sent["wave"]) if sent else None
    if wave is None:
        return redirect("surveys:online_start")
    return render(
        request,
        "surveys/online/thanks.html",
        {"wave": wave, "title": _title(wave.survey)},
    )


@resident_page
@never_cache
@require_POST
def leave(request):
    """ "Stop here": this browser forgets the questionnaire (a shared or borrowed computer).
    With a code, typing it again resumes; the answers stay until the survey closes."""
    current = _current(request)
    if current is not None and current.code is None:
        discard_draft(key_hash=current.key_hash, wave=current.wave)
    _forget(request)
    request.session.pop(SENT_KEY, None)
    if current is not None:
        request.session[STOPPED_KEY] = "code" if current.code else "open_link"
    return redirect("surveys:online_start")
