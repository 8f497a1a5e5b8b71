"""Writing the policy library: policies, draft versions, publishing and retiring."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from commonground.accounts.rules import require
from commonground.audit.actions import record
from commonground.evidence.files import RejectedFile, validate
from commonground.training.models import Policy, PolicyVersion, VersionStatus

PDF = "application/pdf"


class PolicyError(ValidationError):
    pass


@dataclass
class Wording:
    """What a version says, in every published language ({"en": ..., "es": ...})."""

    titles: dict[str, str]
    texts: dict[str, str] = field(default_factory=dict)
    changes: dict[str, str] = field(default_factory=dict)
    effective_on: datetime.date | None = None


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


# Language names as they read inside a sentence ("in English", "en inglés").
IN_A_SENTENCE = {
    "en": pgettext_lazy("language, within a sentence", "English"),
    "es": pgettext_lazy("language, within a sentence", "Spanish"),
}


def _check(wording: Wording, *, has_pdf: bool) -> None:
    problems = {}
    for code, name in settings.LANGUAGES:
        language = IN_A_SENTENCE.get(code, name)
        if not wording.titles.get(code, "").strip():
            problems[f"title_{code}"] = _("Give the title in %(language)s.") % {
                "language": language
            }
        if not has_pdf and not wording.texts.get(code, "").strip():
            problems[f"text_{code}"] = _(
                "Give the text in %(language)s, or attach the signed PDF."
            ) % {"language": language}
    if wording.effective_on is None:
        problems["effective_on"] = _("Give the date the version takes effect.")
    if problems:
        raise PolicyError(problems)


def _search_text(policy: Policy, wording: Wording) -> str:
    parts = [policy.number, *wording.titles.values(), *wording.texts.values()]
    return " ".join(parts).lower()


def _clean(values: dict[str, str]) -> dict[str, str]:
    return {
        code: values.get(code, "").strip() for code in _languages() if values.get(code, "").strip()
    }


def _attach_pdf(version: PolicyVersion, pdf) -> None:
    try:
        validate(
            pdf,
            name=pdf.name,
            size=pdf.size,
            max_bytes=settings.POLICY_PDF_MAX_BYTES,
            allowed=[PDF],
        )
    except RejectedFile as problem:
        raise PolicyError({"pdf": str(problem)}) from problem
    version.pdf_name = pdf.name
    version.pdf.save(f"{version.policy.slug}-v{version.number}.pdf", pdf, save=False)


@transaction.atomic
def create_policy(*, by, number: str, category: str, wording: Wording, pdf=None) -> PolicyVersion:
    """A new policy with its first version, as a draft."""
    require(by, "training.manage_policies")
    number = number.strip()
    slug = slugify(number)
    if not number or not slug:
        raise PolicyError({"number": _("Give the policy's number, such as GO 3.02.")})
    if (
        Policy.objects.filter(number__iexact=number).exists()
        or Policy.objects.filter(slug=slug).exists()
    ):
        raise PolicyError(
            {"number": _("There is already a policy numbered %(number)s.") % {"number": number}}
        )
    _check(wording, has_pdf=pdf is not None)
    policy = Policy.objects.create(
        number=number, slug=slug, category=category, created_at=timezone.now(), created_by=by
    )
    record(actor=by, action="policy.create", target=policy, data={"number": number})
    return _new_version(policy=policy, by=by, wording=wording, pdf=pdf)


@transaction.atomic
def draft_version(*, policy: Policy, by, wording: Wording, pdf=None) -> PolicyVersion:
    """The next version of a policy, as a draft (published ones never change)."""
    require(by, "training.manage_policies")
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if policy.retired_on:
        raise PolicyError(_("This policy is retired; it cannot have new versions."))
    if policy.versions.filter(status=VersionStatus.DRAFT).exists():
        raise PolicyError(_("This policy already has a draft: edit it or publish it first."))
    _check(wording, has_pdf=pdf is not None)
    return _new_version(policy=policy, by=by, wording=wording, pdf=pdf)


def _new_version(*, policy: Policy, by, wording: Wording, pdf) -> PolicyVersion:
    last = policy.versions.order_by("-number").first()
    version = PolicyVersion(
        policy=policy,
        number=(last.number + 1) if last else 1,
        titles=_clean(wording.titles),
        texts=_clean(wording.texts),
        changes=_clean(wording.changes),
        effective_on=wording.effective_on,
        created_at=timezone.now(),
        created_by=by,
        search_text=_search_text(policy, wording),
    )
    if pdf is not None:
        _attach_pdf(version, pdf)
    version.save()
    record(
        actor=by,
        action="policy.draft",
        target=version,
        data={"policy": policy.number, "version": version.number},
    )
    return version


@transaction.atomic
def edit_draft(*, version: PolicyVersion, by, wording: Wording, pdf=None) -> PolicyVersion:
    require(by, "training.manage_policies")
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if not version.is_draft:
        raise PolicyError(_("A published version cannot change: draft a new version instead."))
    _check(wording, has_pdf=pdf is not None or bool(version.pdf))
    version.titles, version.texts = _clean(wording.titles), _clean(wording.texts)
    version.changes, version.effective_on = _clean(wording.changes), wording.effective_on
    version.search_text = _search_text(version.policy, wording)
    if pdf is not None:
        _attach_pdf(version, pdf)
    version.save()
    record(
        actor=by, action="policy.edit_draft", target=version, data={"policy": version.policy.number}
    )
    return version


@transaction.atomic
def publish_version(*, version: PolicyVersion, by) -> PolicyVersion:
    """Publish a draft: the public library shows it from now, in force from its date."""
    require(by, "training.manage_policies")
    version = PolicyVersion.objects.select_for_update().select_related("policy").get(pk=version.pk)
    if not version.is_draft:
        raise PolicyError(_("This version is already published."))
    if version.policy.retired_on:
        raise PolicyError(_("This policy is retired; its drafts cannot be published."))
    version.status, version.published_at, version.published_by = (
        VersionStatus.PUBLISHED,
        timezone.now(),
        by,
    )
    version.save(update_fields=["status", "published_at", "published_by"])
    record(
        actor=by,
        action="policy.publish",
        target=version,
        data={
            "policy": version.policy.number,
            "version": version.number,
            "effective_on": str(version.effective_on),
        },
    )
    return version


@transaction.atomic
def retire_policy(*, policy: Policy, by, reason: str, on: datetime.date | None = None) -> Policy:
    """Retire a policy: it is no longer in force, and every published version stays readable."""
    require(by, "training.manage_policies")
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if policy.retired_on:
        raise PolicyError(_("This policy is already retired."))
    if not reason.strip():
        raise PolicyError({"reason": _("Say why the policy is retired; the public reads it.")})
    policy.retired_on, policy.retired_reason = on or timezone.localdate(), reason.strip()
    policy.save(update_fields=["retired_on", "retired_reason"])
    policy.versions.filter(status=VersionStatus.DRAFT).delete()
    record(actor=by, action="policy.retire", target=policy, data={"reason": policy.retired_reason})
    return policy
