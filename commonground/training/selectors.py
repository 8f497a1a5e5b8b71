from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from commonground.accounts.rules import require
from commonground.training.models import Policy, PolicyVersion, VersionStatus

MAX_SEARCH_TERMS = 8


def published_versions() -> QuerySet[PolicyVersion]:
    """The versions the public may read: every published one, retired policies' included."""
    return PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("policy")


def version_in_force(policy: Policy) -> PolicyVersion | None:
    """The published version in force today, or else the first one still to take effect."""
    versions = list(published_versions().filter(policy=policy))
    return _in_force(versions) if versions else None


@dataclass(frozen=True)
class LibraryEntry:
    policy: Policy
    version: PolicyVersion


def search_library(query: str = "", category: str = "") -> list[LibraryEntry]:
    """Policies with a published version, each with the version in force; `query`'s words must
    all appear in some published version (number, title or text, in any language)."""
    versions = published_versions()
    if category:
        versions = versions.filter(policy__category=category)
    for term in query.lower().split()[:MAX_SEARCH_TERMS]:
        versions = versions.filter(search_text__contains=term)
    matched = set(versions.values_list("policy_id", flat=True))
    every = published_versions().filter(policy_id__in=matched).order_by("policy__number")
    by_policy: dict[int, list[PolicyVersion]] = {}
    for version in every:
        by_policy.setdefault(version.policy_id, []).append(version)
    return [LibraryEntry(v[0].policy, _in_force(v)) for v in by_policy.values()]


def _in_force(versions: list[PolicyVersion]) -> PolicyVersion:
    today = timezone.localdate()
    started = [v for v in versions if v.effective_on <= today]
    if started:
        return max(started, key=lambda v: (v.effective_on, v.number))
    return min(versions, key=lambda v: (v.effective_on, v.number))


def get_public_policy(slug: str) -> Policy:
    policy = get_object_or_404(Policy, slug=slug)
    if not published_versions().filter(policy=policy).exists():
        raise Http404("no published version")
    return policy


def get_public_version(policy: Policy, number: int) -> PolicyVersion:
    return get_object_or_404(published_versions(), policy=policy, number=number)


# --- Staff ---------------------------------------------------------------------------------------


def policies_for_staff(user) -> QuerySet[Policy]:
    require(user, "training.manage_policies")
    return Policy.objects.prefetch_related("versions").order_by("number")


def get_policy_for_user(user, pk: int) -> Policy:
    require(user, "training.manage_policies")
    return get_object_or_404(Policy, pk=pk)


def get_draft_for_user(user, pk: int) -> PolicyVersion:
    require(user, "training.manage_policies")
    return get_object_or_404(
        PolicyVersion.objects.select_related("policy"), pk=pk, status=VersionStatus.DRAFT
    )
