"""Staff pages of the publish area: a wave's text answers, and the quotes redacted from them
(made, approved, withdrawn). Only approved quotes of published waves are ever public."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from commonground.accounts.decorators import staff_required
from commonground.surveys import actions, selectors
from commonground.surveys.models import TEXT_KINDS, in_language

PERMISSION = "surveys.redact"


class QuoteForm(forms.Form):
    question = forms.TypedChoiceField(label=gettext_lazy("Question"), coerce=int)
    text = forms.CharField(
        label=gettext_lazy("The quote, redacted"),
        help_text=gettext_lazy(
            "Take out names, addresses, places that point to one home, dates and anything "
            "else that could identify the person or someone they mention."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=actions.QUOTE_MAX_LENGTH,
    )

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = {q.pk: q for q in questions}
        self.fields["question"].choices = [
            (q.pk, in_language(q.label, "en") or q.name) for q in questions
        ]


def _text_questions(wave):
    return list(wave.instrument.questions.filter(kind__in=TEXT_KINDS))


def _page(request, wave, form, status=200):
    answers = list(selectors.text_answers(wave)[:500])
    actions.note_text_answers_read(wave=wave, by=request.user)
    return render(
        request,
        "surveys/publish/quotes.html",
        {
            "wave": wave,
            "answers": [
                (in_language(a.question.label, "en") or a.question.name, a) for a in answers
            ],
            "quotes": wave.quotes.select_related("question", "redacted_by", "approved_by"),
            "form": form,
        },
        status=status,
    )


@staff_required(PERMISSION)
@require_GET
def quotes(request):
    wave_id = request.GET.get("wave", "")
    if not wave_id.isdigit():
        return render(
            request,
            "surveys/publish/waves.html",
            {"waves": selectors.waves_with_text(request.user)},
        )
    wave = selectors.get_wave_for_redaction(request.user, int(wave_id))
    return _page(request, wave, QuoteForm(questions=_text_questions(wave)))


@staff_required(PERMISSION)
@require_POST
def quote_make(request, pk: int):
    wave = selectors.get_wave_for_redaction(request.user, pk)
    questions = _text_questions(wave)
    form = QuoteForm(request.POST, questions=questions)
    if form.is_valid():
        try:
            actions.make_quote(
                wave=wave,
                question=form.questions.get(form.cleaned_data["question"]),
                text=form.cleaned_data["text"],
                by=request.user,
            )
        except ValidationError as refused:
            for name, errors in refused.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(
                request,
                _(
                    "The quote was saved. A colleague who redacts quotes approves it to make it public."
                ),
            )
            return redirect(_wave_page(wave.pk))
    return _page(request, wave, form, status=400)


@staff_required(PERMISSION)
@require_POST
def quote_approve(request, pk: int):
    quote = selectors.get_quote_for_redaction(request.user, pk)
    try:
        actions.approve_quote(quote=quote, by=request.user)
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    else:
        messages.success(
            request, _("The quote is approved: it is public once its wave is published.")
        )
    return redirect(_wave_page(quote.wave_id))


@staff_required(PERMISSION)
@require_POST
def quote_withdraw(request, pk: int):
    quote = selectors.get_quote_for_redaction(request.user, pk)
    wave_id = quote.wave_id
    actions.withdraw_quote(quote=quote, by=request.user)
    messages.success(request, _("The quote was withdrawn and deleted."))
    return redirect(_wave_page(wave_id))


def _wave_page(wave_id: int) -> str:
    from django.urls import reverse

    return f"{reverse('surveys:publish_quotes')}?wave={wave_id}"
