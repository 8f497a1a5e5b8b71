"""The focus-group pages' forms. They collect; the actions in `actions.py` judge (their errors
come back to the fields named the same)."""

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from commonground.roster.models import District
from commonground.surveys import selectors
from commonground.surveys.categories import CATEGORIES, Variable
from commonground.surveys.models import Theme, in_language


def _blank_first(variable: str):
    return [("", _("Not recorded")), *CATEGORIES[variable]]


class _StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class _ThemeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = in_language(obj.label, get_language() or "en")
        return f"{name} ({obj.code})"


class FocusGroupForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("For example: Renters in Northside, evening session."),
    )
    facilitator = _StaffChoice(
        label=_("Facilitator"), queryset=selectors.focus_facilitators(), required=False
    )
    held_on = forms.DateField(
        label=_("Date held"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("A public place, such as a library or community centre; not a home address."),
    )
    language = forms.ChoiceField(label=_("Language of the session"), choices=settings.LANGUAGES)
    wave = forms.ModelChoiceField(
        label=_("Survey wave (optional)"),
        queryset=None,
        required=False,
        empty_label=_("No wave"),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "What was said, by participant tag (P1, P2...). Write no names: staff only read "
            "these notes, and only theme counts ever leave them."
        ),
    )

    def __init__(self, *args, survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wave"].queryset = survey.waves.order_by("opens_on")
        self.fields["facilitator"].queryset = selectors.focus_facilitators()

    def details(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("title", "facilitator", "held_on", "place", "language", "wave", "notes")
        }

    @classmethod
    def initial_from(cls, group) -> dict:
        return {
            "title": group.title,
            "facilitator": group.facilitator_id,
            "held_on": group.held_on,
            "place": group.place,
            "language": group.language,
            "wave": group.wave_id,
            "notes": group.notes,
        }


class ParticipantForm(forms.Form):
    prefix = "participant"

    label = forms.CharField(
        label=_("Tag"),
        max_length=20,
        required=False,
        help_text=_("A short tag such as P1, as used in the notes. Never a name."),
    )
    age_band = forms.ChoiceField(
        label=_("Age band"), choices=_blank_first(Variable.AGE_BAND), required=False
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=_blank_first(Variable.SEX), required=False)
    race_ethnicity = forms.ChoiceField(
        label=_("Race or ethnicity"),
        choices=_blank_first(Variable.RACE_ETHNICITY),
        required=False,
    )
    tenure = forms.ChoiceField(
        label=_("Housing tenure"), choices=_blank_first(Variable.TENURE), required=False
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.order_by("code"),
        required=False,
        empty_label=_("Not recorded"),
    )

    def details(self) -> dict:
        return dict(self.cleaned_data)


class ExcerptForm(forms.Form):
    prefix = "excerpt"

    theme = _ThemeChoice(label=_("Theme"), queryset=Theme.objects.none(), required=False)
    participant = forms.ModelChoiceField(
        label=_("Said by"),
        queryset=None,
        required=False,
        empty_label=_("The group as a whole"),
    )
    excerpt = forms.CharField(
        label=_("Passage of the notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Copy the passage from the notes above and paste it here."),
    )

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = group.survey.themes.order_by("code")
        self.fields["participant"].queryset = group.participants.order_by("label")


class ThemeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=60,
        required=False,
        help_text=_("Short and stable, for example slow_response."),
    )
    label_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)
    label_es = forms.CharField(label=_("Name in Spanish"), max_length=200, required=False)
    description = forms.CharField(
        label=_("What it covers (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("When to use this theme, so every coder applies it alike."),
    )
    parent = _ThemeChoice(
        label=_("Part of (optional)"),
        queryset=Theme.objects.none(),
        required=False,
        empty_label=_("Nothing: a main theme"),
    )

    def __init__(self, *args, survey, theme=None, **kwargs):
        super().__init__(*args, **kwargs)
        parents = survey.themes.order_by("code")
        if theme is not None:
            parents = parents.exclude(pk=theme.pk)
        self.fields["parent"].queryset = parents

    def label(self) -> dict:
        return {code: self.cleaned_data.get(f"label_{code}", "") for code, _n in settings.LANGUAGES}

    @classmethod
    def initial_from(cls, theme) -> dict:
        initial = {"code": theme.code, "description": theme.description, "parent": theme.parent_id}
        for code, _name in settings.LANGUAGES:
            initial[f"label_{code}"] = theme.label.get(code, "")
        return initial
