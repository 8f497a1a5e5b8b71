from django.shortcuts import render

from commonground.accounts.decorators import staff_required
from commonground.accounts.rules import can


@staff_required()
def staff_home(request):
    permissions = [
        "complaints.view_cases",
        "complaints.intake",
        "roster.view",
        "investigations.queues",
        "investigations.overview",
        "oversight.view",
        "oversight.decide",
        "evidence.view",
        "stops.analyse",
        "early_warning.review",
        "early_warning.report",
        "training.manage_policies",
        "publish.release",
        "surveys.design",
        "surveys.sample",
        "surveys.interview",
        "surveys.enter_paper",
        "surveys.focus_groups",
        "surveys.results",
        "surveys.redact",
    ]
    return render(
        request,
        "accounts/staff_home.html",
        {"allowed": {p.replace(".", "_"): can(request.user, p) for p in permissions}},
    )
