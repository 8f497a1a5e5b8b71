"""The forms of the questionnaire builder: surveys, instruments, questions, lists of choices,
XLSForm uploads and waves. Words are asked with one field per language; the checks that
matter are the actions' (their messages come back to the fields)."""

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from commonground.surveys import bank
from commonground.surveys.actions import QuestionData
from commonground.surveys.categories import Variable
from commonground.surveys.models import QuestionKind

IN_LANGUAGE = {
    "en": pgettext_lazy("language, within a sentence", "English"),
    "es": pgettext_lazy("language, within a sentence", "Spanish"),
}


def _in(code: str) -> str:
    return IN_LANGUAGE.get(code, code)


def _words(cleaned: dict, base: str, languages) -> dict[str, str]:
    return {code: cleaned.get(f"{base}_{code}", "") for code in languages}


def _language_choices():
    return [(code, name) for code, name in settings.LANGUAGES]


class _WordsForm(forms.Form):
    """A form with one text field per language for some of its words."""

    def add_words(self, base: str, label, languages, *, textarea=False, help_text="", **kwargs):
        for code in languages:
            widget = forms.Textarea(attrs={"rows": 2}) if textarea else forms.TextInput()
            self.fields[f"{base}_{code}"] = forms.CharField(
                label=label % {"language": _in(code)},
                required=False,
                widget=widget,
                help_text=help_text,
                **kwargs,
            )


class SurveyForm(_WordsForm):
    slug = forms.CharField(
        label=_("Short name"),
        max_length=60,
        help_text=_("Used in links: lower-case letters, digits and hyphens, e.g. trust-safety."),
    )
    min_effective_n = forms.IntegerField(
        label=_("Smallest effective sample for an estimate"),
        initial=30,
        min_value=1,
        max_value=10000,
        help_text=_(
            "An estimate resting on fewer effective respondents is withheld, with the reason."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        languages = [code for code, _name in settings.LANGUAGES]
        self.add_words("title", _("Title in %(language)s"), languages, max_length=200)
        self.add_words(
            "description",
            _("Description in %(language)s (optional)"),
            languages,
            textarea=True,
            max_length=2000,
        )
        self.order_fields([f"title_{c}" for c in languages] + ["slug", "min_effective_n"])

    def titles(self):
        return _words(self.cleaned_data, "title", [c for c, _n in settings.LANGUAGES])

    def descriptions(self):
        return _words(self.cleaned_data, "description", [c for c, _n in settings.LANGUAGES])


class InstrumentForm(_WordsForm):
    name = forms.CharField(
        label=_("Form id"),
        max_length=60,
        help_text=_(
            "Letters, digits and underscores, e.g. trust_safety. A new version is made when "
            "the survey already has a questionnaire with this id."
        ),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=_language_choices,
        widget=forms.CheckboxSelectMultiple,
        initial=["en", "es"],
        help_text=_("The first one chosen is the questionnaire's default."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        languages = [code for code, _name in settings.LANGUAGES]
        self.add_words("title", _("Title in %(language)s"), languages, max_length=200)

    def titles(self):
        return _words(self.cleaned_data, "title", [c for c, _n in settings.LANGUAGES])


def _bank_choices():
    """The bank's items by section, in the language of the page."""
    language = "es" if (translation.get_language() or "en").startswith("es") else "en"
    sections = {section: [] for section in bank.SECTIONS}
    for item in bank.ITEMS:
        sections[item.section].append((item.topic, f"{item.label[language]} ({item.topic})"))
    return [(bank.SECTION_TITLES[s][language], items) for s, items in sections.items()]


class BankForm(InstrumentForm):
    topics = forms.MultipleChoiceField(
        label=_("Questions from the bank"),
        choices=_bank_choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[item.topic for item in bank.ITEMS],
        help_text=_("Every item is in English and Spanish; untick the ones you do not need."),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("XLSForm workbook (.xlsx)"),
        help_text=_(
            "With the sheets survey, choices and settings, as ODK and KoBo use them; at most 5 MB."
        ),
    )


class QuestionForm(_WordsForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=60,
        help_text=_(
            "Letters, digits and underscores, e.g. feels_safe. Skip logic refers to it as "
            "${feels_safe}."
        ),
    )
    kind = forms.ChoiceField(label=_("Kind of question"), choices=QuestionKind.choices)
    choice_list = forms.ModelChoiceField(
        label=_("List of answers"),
        queryset=None,
        required=False,
        help_text=_("For single choice, multiple choice and agreement scales."),
    )
    page = forms.IntegerField(
        label=_("Page"),
        min_value=1,
        max_value=200,
        initial=1,
        help_text=_("Questions with the same page number are shown together."),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    relevant = forms.CharField(
        label=_("Skip logic (optional)"),
        max_length=500,
        required=False,
        help_text=_(
            "Ask this question only when this is true, e.g. ${contact} = 'yes'. "
            "Leave it empty to always ask."
        ),
    )
    constraint = forms.CharField(
        label=_("Answer check (optional)"),
        max_length=500,
        required=False,
        help_text=_("Accept an answer only when this is true; “.” is the answer, e.g. . >= 18."),
    )
    variable = forms.ChoiceField(
        label=_("What it measures (optional)"),
        choices=[("", _("An opinion or experience")), *Variable.choices],
        required=False,
        help_text=_("For demographics and contact with police, so results can be broken down."),
    )
    topic = forms.CharField(
        label=_("Bank code (optional)"),
        max_length=60,
        required=False,
        help_text=_("The same code in every version, e.g. trust.respect, so waves compare."),
    )

    def __init__(self, *args, instrument, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        languages = list(instrument.languages)
        self.fields["choice_list"].queryset = instrument.lists.all()
        self.add_words("label", _("Question in %(language)s"), languages, textarea=True)
        self.add_words("hint", _("Hint in %(language)s (optional)"), languages)
        self.add_words(
            "required_message",
            _("Message when it is not answered, in %(language)s (optional)"),
            languages,
        )
        self.add_words(
            "constraint_message",
            _("Message when the answer check fails, in %(language)s (optional)"),
            languages,
        )
        self.order_fields(
            ["name", "kind", "choice_list", "page"]
            + [f"label_{c}" for c in languages]
            + [f"hint_{c}" for c in languages]
            + ["required"]
            + [f"required_message_{c}" for c in languages]
            + ["relevant", "constraint"]
            + [f"constraint_message_{c}" for c in languages]
            + ["variable", "topic"]
        )

    def data_for_action(self) -> QuestionData:
        cleaned = self.cleaned_data
        languages = list(self.instrument.languages)
        return QuestionData(
            name=cleaned["name"],
            kind=cleaned["kind"],
            label=_words(cleaned, "label", languages),
            page=cleaned["page"],
            choice_list=cleaned["choice_list"],
            hint=_words(cleaned, "hint", languages),
            required=cleaned["required"],
            required_message=_words(cleaned, "required_message", languages),
            relevant=cleaned["relevant"],
            constraint=cleaned["constraint"],
            constraint_message=_words(cleaned, "constraint_message", languages),
            variable=cleaned["variable"],
            topic=cleaned["topic"].strip(),
        )

    @staticmethod
    def initial_from(question) -> dict:
        initial = {
            "name": question.name,
            "kind": question.kind,
            "choice_list": question.choice_list_id,
            "page": question.page,
            "required": question.required,
            "relevant": question.relevant,
            "constraint": question.constraint,
            "variable": question.variable,
            "topic": question.topic,
        }
        for base in ("label", "hint", "required_message", "constraint_message"):
            for code, text in (getattr(question, base) or {}).items():
                initial[f"{base}_{code}"] = text
        return initial


class ChoiceListForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the list"),
        max_length=60,
        help_text=_("Letters, digits and underscores, e.g. yes_no."),
    )
    choices = forms.CharField(
        label=_("Choices"),
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def __init__(self, *args, instrument, **kwargs):
        super().__init__(*args, **kwargs)
        names = ", ".join(str(_in(code)) for code in instrument.languages)
        self.fields["choices"].help_text = _(
            "One choice a line: its code, then its label in %(languages)s, separated by “|”. "
            "For example: yes | Yes | Sí"
        ) % {"languages": names}


class WaveForm(forms.Form):
    label = forms.CharField(
        label=_("Name of the wave"), max_length=60, help_text=_("For example 2026 Q1.")
    )
    instrument = forms.ModelChoiceField(label=_("Questionnaire"), queryset=None)
    opens_on = forms.DateField(
        label=_("Opens on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    closes_on = forms.DateField(
        label=_("Closes on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    open_link = forms.BooleanField(
        label=_("Take answers through the open link too"),
        required=False,
        help_text=_(
            "Anyone with the link may answer; these answers are labelled as volunteers' and "
            "kept apart from the random samples in the estimates."
        ),
    )

    def __init__(self, *args, survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = survey.instruments.order_by("name", "-version")
