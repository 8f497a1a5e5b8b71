from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404

from commonground.accounts.rules import require
from commonground.roster.models import Officer, OfficerStatus


def public_officers() -> QuerySet[Officer]:
    """Current officers only: what the public intake form may show (name and badge)."""
    return Officer.objects.exclude(status=OfficerStatus.SEPARATED)


def public_officer_lookup(query: str, limit: int = 10) -> list[dict]:
    """Name and badge of current officers matching a name or badge; empty when switched off."""
    query = (query or "").strip()
    if not settings.PUBLIC_OFFICER_LOOKUP or len(query) < 2:
        return []
    return list(
        _matching(public_officers(), query)
        .order_by("last_name", "first_name")
        .values("id", "first_name", "last_name", "badge_number")[:limit]
    )


def _matching(qs: QuerySet[Officer], query: str) -> QuerySet[Officer]:
    condition = Q(badge_number__iexact=query)
    for word in query.split():
        condition |= Q(last_name__istartswith=word) | Q(first_name__istartswith=word)
    if len(query.split()) > 1:
        first, *rest = query.split()
        condition |= Q(first_name__istartswith=first, last_name__istartswith=" ".join(rest))
    return qs.filter(condition)


def search_officers(user, query: str = "", unit_id: int | None = None) -> QuerySet[Officer]:
    """Staff search by name, badge or unit, over every officer including former ones."""
    require(user, "roster.view")
    qs = Officer.objects.select_related("unit", "unit__district")
    if query:
        qs = _matching(qs, query.strip()) | qs.filter(unit__name__icontains=query.strip())
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return qs.order_by("last_name", "first_name")


def get_officer_for_user(user, pk: int) -> Officer:
    require(user, "roster.view")
    officer = (
        Officer.objects.select_related("unit", "agency")
        .prefetch_related("assignments__unit", "commendations__forwarded_to")
        .filter(pk=pk)
        .first()
    )
    if officer is None:
        raise Http404
    return officer


def officers_by_id(ids) -> dict[int, Officer]:
    return {o.pk: o for o in public_officers().filter(pk__in=[i for i in ids if i])}


def roster_officers_by_id(ids) -> dict[int, Officer]:
    """Every officer with one of these ids, former ones too: for staff, who may name anyone."""
    return {o.pk: o for o in Officer.objects.filter(pk__in=[i for i in ids if i])}


def officers_with_badge(badge: str) -> list[Officer]:
    """The officers whose badge is exactly this one (one, unless several agencies share it)."""
    badge = (badge or "").strip()
    if not badge:
        return []
    return list(Officer.objects.select_related("unit").filter(badge_number__iexact=badge)[:2])
