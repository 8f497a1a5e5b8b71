# --- focus: focus-group sessions, the codebook, and theme counts compared by group ----------

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy

from commonground.accounts.rules import require
from commonground.roster.models import Agency, District
from commonground.surveys.categories import CATEGORIES, Variable
from commonground.surveys.models import CodedExcerpt, FocusGroup, Survey, Theme

# The participant groups theme counts may be compared by, and the participant's field for each.
FOCUS_COMPARISONS = {
    Variable.AGE_BAND: "age_band",
    Variable.SEX: "sex",
    Variable.RACE_ETHNICITY: "race_ethnicity",
    Variable.TENURE: "tenure",
    Variable.DISTRICT: "district__code",
}
# The roster's default, the CMS cell-size rule (Agency.suppression_threshold's default).
FOCUS_DEFAULT_THRESHOLD = 10
NOT_RECORDED = gettext_lazy("Not recorded")


def focus_threshold() -> int:
    """The suppression threshold theme counts keep to: the strictest agency's, the same number
    every public dataset uses. Counts from 1 up to it are never shown exactly."""
    thresholds = list(Agency.objects.values_list("suppression_threshold", flat=True))
    return max(thresholds, default=FOCUS_DEFAULT_THRESHOLD)


def focus_surveys():
    """Every survey, with how many sessions and themes it has."""
    return Survey.objects.annotate(
        focus_sessions=Count("focus_groups", distinct=True),
        focus_themes=Count("themes", distinct=True),
    ).order_by("slug")


def focus_sessions(survey: Survey):
    return (
        survey.focus_groups.select_related("facilitator", "wave")
        .annotate(
            participant_count=Count("participants", distinct=True),
            excerpt_count=Count("excerpts", distinct=True),
        )
        .order_by("-held_on", "pk")
    )


def get_survey_for_focus(user, pk: int) -> Survey:
    require(user, "surveys.focus_groups")
    return get_object_or_404(Survey, pk=pk)


def get_focus_group_for_user(user, pk: int) -> FocusGroup:
    require(user, "surveys.focus_groups")
    return get_object_or_404(
        FocusGroup.objects.select_related("survey", "facilitator", "wave"), pk=pk
    )


def get_theme_for_user(user, pk: int) -> Theme:
    require(user, "surveys.focus_groups")
    return get_object_or_404(Theme.objects.select_related("survey", "parent"), pk=pk)


def get_excerpt_for_user(user, pk: int) -> CodedExcerpt:
    require(user, "surveys.focus_groups")
    return get_object_or_404(CodedExcerpt.objects.select_related("group", "theme"), pk=pk)


def focus_facilitators():
    """Staff who may be named as a session's facilitator: active users with a role."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__isnull=False)
        .distinct()
        .order_by("username")
    )


def focus_excerpts(group: FocusGroup):
    return group.excerpts.select_related("theme", "participant").order_by("pk")


def codebook(survey: Survey) -> list[tuple[Theme, int]]:
    """The survey's themes in tree order (each followed by its sub-themes), with their depth."""
    themes = list(survey.themes.select_related("parent").order_by("code"))
    children: dict[int | None, list[Theme]] = {}
    for theme in themes:
        children.setdefault(theme.parent_id, []).append(theme)
    ordered: list[tuple[Theme, int]] = []
    seen: set[int] = set()

    def walk(parent_id, depth):
        for theme in children.get(parent_id, []):
            if theme.pk not in seen:
                seen.add(theme.pk)
                ordered.append((theme, depth))
                walk(theme.pk, depth + 1)

    walk(None, 0)
    return ordered


def _comparison_groups(by: str) -> list[tuple[str, str]]:
    if by == Variable.DISTRICT:
        groups = [(d.code, d.name) for d in District.objects.order_by("code")]
    else:
        groups = [(code, str(label)) for code, label in CATEGORIES[by]]
    return [*groups, ("", str(NOT_RECORDED))]


def _suppress(counts: list[int], threshold: int) -> list[dict]:
    """Each count as {"count": n or None, "withheld": "" | "small" | "partner"}. Counts from 1 to
    the threshold are withheld as small. A row's cells add up to everyone counted in it, which
    another grouping of the same people shows, so a row never withholds just one cell: the
    smallest other cell (a zero, if there is one, so that the counts people read stay) is
    withheld with it as its partner, and neither can be worked out."""
    cells = [
        {"count": None, "withheld": "small"} if 0 < n <= threshold else {"count": n, "withheld": ""}
        for n in counts
    ]
    small = [i for i, cell in enumerate(cells) if cell["withheld"]]
    if len(small) == 1:
        others = [i for i, cell in enumerate(cells) if not cell["withheld"]]
        if others:
            partner = min(others, key=lambda i: (counts[i], i))
            cells[partner] = {"count": None, "withheld": "partner"}
    return cells


def focus_theme_counts(survey: Survey, by: str = Variable.AGE_BAND) -> dict:
    """How many participants, and in how many sessions, mentioned each theme of the survey's
    codebook, by the participants' group (`by`: one of FOCUS_COMPARISONS). A theme counts its
    sub-themes' excerpts too. Only excerpts said by a participant count (a passage coded to the
    group as a whole says nothing of anyone's group).

    Plain data, safe to publish: counts from 1 up to the threshold and their partners (see
    `_suppress`) are None with the reason, never the number. Nothing else of a focus group
    (titles, places, notes, excerpts, tags) is in it.
    {"by", "threshold", "groups": [{"value", "label"}], "themes": [{"code", "label" (every
    language), "parent", "depth", "participants": [cell per group], "sessions": [...]}]}"""
    if by not in FOCUS_COMPARISONS:
        raise ValueError(f"Theme counts are compared by one of {sorted(FOCUS_COMPARISONS)}.")
    threshold = focus_threshold()
    groups = _comparison_groups(by)
    known = {value for value, _label in groups}
    field = f"participant__{FOCUS_COMPARISONS[by]}"
    coded = (
        CodedExcerpt.objects.filter(group__survey=survey, participant__isnull=False)
        .values_list("theme_id", "group_id", "participant_id", field)
        .distinct()
    )
    by_theme: dict[int, list[tuple[int, int, str]]] = {}
    for theme_id, group_id, participant_id, value in coded:
        value = value if value in known else ""
        by_theme.setdefault(theme_id, []).append((group_id, participant_id, value or ""))
    tree = codebook(survey)
    below: dict[int, set[int]] = {theme.pk: {theme.pk} for theme, _depth in tree}
    for theme, _depth in reversed(tree):
        if theme.parent_id in below:
            below[theme.parent_id] |= below[theme.pk]
    rows = []
    for theme, depth in tree:
        mentions = [m for pk in below[theme.pk] for m in by_theme.get(pk, [])]
        people = [len({p for _g, p, v in mentions if v == value}) for value, _label in groups]
        sessions = [len({g for g, _p, v in mentions if v == value}) for value, _label in groups]
        rows.append(
            {
                "code": theme.code,
                "label": dict(theme.label),
                "parent": theme.parent.code if theme.parent else "",
                "depth": depth,
                "participants": _suppress(people, threshold),
                "sessions": _suppress(sessions, threshold),
            }
        )
    return {
        "by": str(by),
        "threshold": threshold,
        "groups": [{"value": value, "label": label} for value, label in groups],
        "themes": rows,
    }


def focus_participants(group: FocusGroup) -> list[dict]:
    """The session's participants with their categories in words (blank: not recorded)."""
    names = {
        field: dict(CATEGORIES[variable])
        for field, variable in (
            ("age_band", Variable.AGE_BAND),
            ("sex", Variable.SEX),
            ("race_ethnicity", Variable.RACE_ETHNICITY),
            ("tenure", Variable.TENURE),
        )
    }
    rows = []
    for participant in group.participants.select_related("district").order_by("label"):
        row = {"label": participant.label, "district": str(participant.district or "")}
        for field, words in names.items():
            value = getattr(participant, field)
            row[field] = str(words.get(value, value))
        rows.append(row)
    return rows
