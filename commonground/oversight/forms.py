import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commonground.complaints.models import Allegation, Finding
from commonground.oversight.actions import Line, too_early
from commonground.oversight.models import DisciplineLevel, VoteChoice


class EmptyForm(forms.Form):
    pass


PUBLISHED = _("Published on the public meetings page: name no resident, officer or case.")


class ScheduleMeetingForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("For example: Regular meeting, March. Seen by staff only."),
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=300,
        required=False,
        help_text=_("Where the public attends: address and room, or a video link. Published."),
    )
    how_to_attend = forms.CharField(
        label=_("How to attend and speak"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=PUBLISHED,
    )
    agenda_summary = forms.CharField(
        label=_("What the meeting will cover"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=PUBLISHED,
    )

    def clean(self):
        cleaned = super().clean()
        day, at = cleaned.get("date"), cleaned.get("time")
        if day and at:
            starts_at = timezone.make_aware(datetime.datetime.combine(day, at))
            if too_early(starts_at):
                self.add_error(
                    "date",
                    _(
                        "This date and time have passed: a meeting must be in the future. "
                        "Choose a later date or time."
                    ),
                )
            cleaned["starts_at"] = starts_at
        return cleaned


class AgendaForm(forms.Form):
    """The cases awaiting the board, none chosen until the clerk chooses them."""

    cases = forms.TypedMultipleChoiceField(
        label=_("Cases to put on the agenda"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one case.")},
    )

    def __init__(self, *args, awaiting=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.awaiting = {item.case.pk: item.case for item in awaiting}
        self.fields["cases"].choices = [
            (
                item.case.pk,
                f"{item.reference} · {item.district} · {', '.join(item.categories) or '—'}",
            )
            for item in awaiting
        ]

    def chosen(self) -> list:
        return [self.awaiting[pk] for pk in self.cleaned_data["cases"]]


class RemoveItemForm(forms.Form):
    """One item of a meeting's agenda, to take off it (a button on each row)."""

    item = forms.TypedChoiceField(
        coerce=int,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose the case to take off the agenda."),
            "invalid_choice": _("That case is no longer on this agenda."),
        },
    )

    def __init__(self, *args, reviews=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.reviews = {review.pk: review for review in reviews}
        self.fields["item"].choices = [(pk, str(pk)) for pk in self.reviews]

    def review(self):
        return self.reviews[self.cleaned_data["item"]]


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("Does the board concur with the investigation's findings?"),
        choices=VoteChoice.choices,
        widget=forms.RadioSelect,
    )


class RecusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you step aside from this case"),
        help_text=_("For example a personal or professional tie to someone involved."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for your recusal.")},
    )


class CloseReviewForm(forms.Form):
    notes = forms.CharField(
        label=_("The board's reasons"),
        help_text=_("Required when the board does not concur with the findings."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )


class MoreInvestigationForm(forms.Form):
    reason = forms.CharField(
        label=_("What the board wants investigated"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what the board wants investigated.")},
    )


def _level_label(level: DisciplineLevel) -> str:
    if level.takes_days and level.max_days:
        return _("%(level)s (1 to %(max)s days)") % {"level": level.name, "max": level.max_days}
    if level.takes_days:
        return _("%(level)s (with a number of days)") % {"level": level.name}
    return level.name


class LinesForm(forms.Form):
    """A finding, a rung of the discipline ladder and, for some rungs, a number of days, for
    each allegation of a case."""

    def __init__(
        self,
        *args,
        allegations: list[Allegation],
        start: dict[int, Line],
        ladder: list[DisciplineLevel],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        levels = [("", "—"), *((level.code, _level_label(level)) for level in ladder)]
        self.rows = []
        for allegation in allegations:
            line = start.get(allegation.pk)
            self.fields[f"finding_{allegation.pk}"] = forms.ChoiceField(
                label=_("Finding"),
                choices=[("", "—"), *Finding.choices],
                initial=line.finding if line else "",
            )
            self.fields[f"discipline_{allegation.pk}"] = forms.ChoiceField(
                label=_("Discipline"), choices=levels, initial=line.discipline if line else ""
            )
            self.fields[f"days_{allegation.pk}"] = forms.IntegerField(
                label=_("Days"),
                min_value=1,
                max_value=365,
                required=False,
                initial=line.days if line else None,
                help_text=_("Only for a level that takes a number of days, such as a suspension."),
            )
            self.rows.append(
                (
                    allegation,
                    self[f"finding_{allegation.pk}"],
                    self[f"discipline_{allegation.pk}"],
                    self[f"days_{allegation.pk}"],
                )
            )

    def lines(self) -> dict[int, Line]:
        data = self.cleaned_data
        return {
            a.pk: Line(data[f"finding_{a.pk}"], data[f"discipline_{a.pk}"], data[f"days_{a.pk}"])
            for a, *_fields in self.rows
        }


class RecommendationForm(LinesForm):
    pass


class DecisionForm(LinesForm):
    explanation = forms.CharField(
        label=_("Explanation"),
        help_text=_("Required when the decision differs from the board's recommendation."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
