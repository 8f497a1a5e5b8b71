from django.core.paginator import Paginator
from django.shortcuts import render

from commonground.accounts.decorators import staff_required
from commonground.accounts.rules import can
from commonground.roster.models import Unit
from commonground.roster.selectors import get_officer_for_user, search_officers


@staff_required("roster.view")
def officer_list(request):
    query = request.GET.get("q", "").strip()[:100]
    try:
        unit_id = int(request.GET.get("unit") or 0) or None
    except ValueError:
        unit_id = None
    officers = search_officers(request.user, query, unit_id)
    page = Paginator(officers, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "roster/officer_list.html",
        {"page": page, "query": query, "unit_id": unit_id, "units": Unit.objects.all()},
    )


@staff_required("roster.view")
def officer_detail(request, pk):
    officer = get_officer_for_user(request.user, pk)
    return render(
        request,
        "roster/officer_detail.html",
        {"officer": officer, "demographics": can(request.user, "roster.view_demographics")},
    )
