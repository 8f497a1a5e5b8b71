from django import template

from commonground.accounts.rules import can
from commonground.correspondence.selectors import open_counts

register = template.Library()


@register.inclusion_tag("correspondence/_home_card.html")
def contact_tasks_card(user):
    """The staff home's card for the calls and letters queue, with its counts."""
    allowed = can(user, "correspondence.contact")
    return {"allowed": allowed, "counts": open_counts(user) if allowed else None}
