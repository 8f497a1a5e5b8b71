from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from commonground.accounts.decorators import staff_required
from commonground.training import actions, forms, selectors

PERMISSION = "training.manage_policies"


def _refused(form, refused: ValidationError) -> None:
    if hasattr(refused, "error_dict"):
        for name, errors in refused.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, refused.messages)


@staff_required(PERMISSION)
def policy_list(request):
    return render(
        request,
        "training/policy_list.html",
        {"policies": selectors.policies_for_staff(request.user)},
    )


@staff_required(PERMISSION)
def policy_new(request):
    form = forms.NewPolicyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = actions.create_policy(
                by=request.user,
                number=form.cleaned_data["number"],
                category=form.cleaned_data["category"],
                wording=form.wording(),
                pdf=form.cleaned_data["pdf"],
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(
                request, _("The policy was saved as a draft. Publish it when it is ready.")
            )
            return redirect("training:policy_detail", version.policy.pk)
    status = 400 if form.is_bound else 200
    return render(request, "training/policy_form.html", {"form": form, "new": True}, status=status)


@staff_required(PERMISSION)
def policy_detail(request, pk: int):
    policy = selectors.get_policy_for_user(request.user, pk)
    return render(
        request,
        "training/policy_detail.html",
        {"policy": policy, "versions": policy.versions.all(), "retire_form": forms.RetireForm()},
    )


@staff_required(PERMISSION)
def version_new(request, pk: int):
    policy = selectors.get_policy_for_user(request.user, pk)
    latest = policy.versions.order_by("-number").first()
    initial = forms.VersionForm.initial_from(latest) if latest else {}
    initial.update({"changes_en": "", "changes_es": "", "effective_on": None})
    form = forms.VersionForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.draft_version(
                policy=policy, by=request.user, wording=form.wording(), pdf=form.cleaned_data["pdf"]
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, _("The new version was saved as a draft."))
            return redirect("training:policy_detail", policy.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "training/policy_form.html", {"form": form, "policy": policy}, status=status
    )


@staff_required(PERMISSION)
def version_edit(request, pk: int):
    version = selectors.get_draft_for_user(request.user, pk)
    form = forms.VersionForm(
        request.POST or None, request.FILES or None, initial=forms.VersionForm.initial_from(version)
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_draft(
                version=version,
                by=request.user,
                wording=form.wording(),
                pdf=form.cleaned_data["pdf"],
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, _("The draft was saved."))
            return redirect("training:policy_detail", version.policy.pk)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "training/policy_form.html",
        {"form": form, "policy": version.policy, "version": version},
        status=status,
    )


@require_POST
@staff_required(PERMISSION)
def version_publish(request, pk: int):
    version = selectors.get_draft_for_user(request.user, pk)
    try:
        actions.publish_version(version=version, by=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(
            request, _("Version %(n)s is published in the public library.") % {"n": version.number}
        )
    return redirect("training:policy_detail", version.policy.pk)


@require_POST
@staff_required(PERMISSION)
def policy_retire(request, pk: int):
    policy = selectors.get_policy_for_user(request.user, pk)
    form = forms.RetireForm(request.POST)
    if form.is_valid():
        try:
            actions.retire_policy(
                policy=policy, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, _("The policy is retired; its versions stay readable."))
            return redirect("training:policy_detail", policy.pk)
    return render(
        request,
        "training/policy_detail.html",
        {"policy": policy, "versions": policy.versions.all(), "retire_form": form},
        status=400,
    )
