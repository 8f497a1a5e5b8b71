"""Helpers for the questionnaire builder's tests: a designer, and a questionnaire as plain
data (no keys, no version) so two can be compared exactly."""

from commonground.accounts.models import Role
from commonground.conftest import make_staff


def designer(username: str = "designer"):
    return make_staff(username, Role.COMMUNITY_ENGAGEMENT)


def snapshot(instrument) -> dict:
    """Everything a questionnaire says, in order, without database keys or version."""
    return {
        "name": instrument.name,
        "title": instrument.title,
        "languages": list(instrument.languages),
        "default_language": instrument.default_language,
        "lists": {
            choice_list.name: [(c.value, c.label) for c in choice_list.choices.all()]
            for choice_list in instrument.lists.prefetch_related("choices").order_by("name")
        },
        "questions": [
            {
                "page": q.page,
                "name": q.name,
                "kind": q.kind,
                "list": q.choice_list.name if q.choice_list_id else "",
                "label": q.label,
                "hint": q.hint,
                "required": q.required,
                "required_message": q.required_message,
                "relevant": q.relevant,
                "constraint": q.constraint,
                "constraint_message": q.constraint_message,
                "variable": q.variable,
                "topic": q.topic,
            }
            for q in instrument.questions.select_related("choice_list").order_by(
                "page", "position", "pk"
            )
        ],
    }
