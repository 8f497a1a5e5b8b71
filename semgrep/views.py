# Examples for the views-only rule of semgrep/commonground.yml; never imported.
# ruff: noqa
from django.shortcuts import get_object_or_404


def case_detail(request, pk, Case, get_case_for_user):
    # ruleid: object-by-user-supplied-id-in-a-view
    case = Case.objects.get(pk=pk)
    # ruleid: object-by-user-supplied-id-in-a-view
    case = get_object_or_404(Case, pk=pk)
    # ok: object-by-user-supplied-id-in-a-view
    case = get_case_for_user(request.user, pk)
    return case
