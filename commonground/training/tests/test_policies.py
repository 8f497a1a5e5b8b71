import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.conftest import make_staff
from commonground.training.actions import (
    PolicyError,
    draft_version,
    edit_draft,
    publish_version,
    retire_policy,
)
from commonground.training.models import VersionStatus
from commonground.training.tests.helpers import policy_draft, published_policy, wording

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def coordinator():
    return make_staff("coordinator", Role.TRAINING_COORDINATOR)


def test_a_new_policy_is_a_draft_until_published_and_each_step_is_audited(coordinator, client):
    draft = policy_draft(coordinator)

    assert draft.status == VersionStatus.DRAFT and draft.number == 1
    assert client.get("/en/policies/go-302/").status_code == 404
    publish_version(version=draft, by=coordinator)

    page = client.get("/en/policies/go-302/")
    assert page.status_code == 200
    assert "Officers use only the force that is necessary." in page.content.decode()
    assert [e.action for e in AuditEvent.objects.order_by("sequence")] == [
        "policy.create",
        "policy.draft",
        "policy.publish",
    ]


def test_both_languages_are_required_unless_the_signed_pdf_is_attached(coordinator):
    with pytest.raises(PolicyError) as refused:
        policy_draft(
            coordinator, titles={"en": "Use of force", "es": ""}, texts={"en": "x", "es": ""}
        )
    assert set(refused.value.error_dict) == {"title_es", "text_es"}

    pdf = SimpleUploadedFile("go-302.pdf", PDF_BYTES, content_type="application/pdf")
    from commonground.training.actions import create_policy

    version = create_policy(
        by=coordinator,
        number="GO 9.01",
        category="records",
        wording=wording(texts={}),
        pdf=pdf,
    )
    assert version.pdf_name == "go-302.pdf"


def test_a_file_that_is_not_a_pdf_is_refused_by_its_content(coordinator):
    from commonground.training.actions import create_policy

    fake = SimpleUploadedFile("policy.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    with pytest.raises(PolicyError) as refused:
        create_policy(
            by=coordinator, number="GO 9.02", category="other", wording=wording(), pdf=fake
        )
    assert "pdf" in refused.value.error_dict


def test_a_number_is_used_once(coordinator):
    policy_draft(coordinator, "GO 3.02")
    with pytest.raises(PolicyError, match="already a policy"):
        policy_draft(coordinator, "go 3.02")


def test_published_versions_never_change_and_a_new_version_shows_what_changed(coordinator, client):
    first = published_policy(coordinator)
    with pytest.raises(PolicyError, match="cannot change"):
        edit_draft(version=first, by=coordinator, wording=wording())
    second = draft_version(
        policy=first.policy,
        by=coordinator,
        wording=wording(
            texts={
                "en": "Officers must de-escalate first.",
                "es": "Los agentes deben desescalar primero.",
            },
            changes={"en": "Adds a duty to de-escalate.", "es": "Añade el deber de desescalar."},
            effective_on=datetime.date(2026, 6, 1),
        ),
    )
    publish_version(version=second, by=coordinator)

    current = client.get("/en/policies/go-302/").content.decode()
    old = client.get("/es/policies/go-302/v1/").content.decode()
    assert "Officers must de-escalate first." in current
    assert "Adds a duty to de-escalate." in current
    assert "Los agentes usan solo la fuerza necesaria." in old
    assert "no es la vigente" in old or "not the one in force" in old


def test_a_version_that_takes_effect_later_does_not_replace_the_one_in_force(coordinator, client):
    first = published_policy(coordinator)
    later = draft_version(
        policy=first.policy,
        by=coordinator,
        wording=wording(
            texts={"en": "Future wording.", "es": "Texto futuro."},
            effective_on=datetime.date(2099, 1, 1),
        ),
    )
    publish_version(version=later, by=coordinator)

    page = client.get("/en/policies/go-302/").content.decode()
    assert "Officers use only the force" in page
    assert "/en/policies/go-302/v2/" in page


def test_retired_policies_stay_readable_and_say_why(coordinator, client):
    version = published_policy(coordinator)
    retire_policy(policy=version.policy, by=coordinator, reason="Replaced by GO 3.05.")

    page = client.get("/en/policies/go-302/").content.decode()
    assert "retired" in page and "Replaced by GO 3.05." in page
    with pytest.raises(PolicyError, match="retired"):
        draft_version(policy=version.policy, by=coordinator, wording=wording())


def test_search_finds_words_in_either_language_and_in_the_number(coordinator, client):
    published_policy(coordinator, "GO 3.02")
    published_policy(
        coordinator,
        "GO 5.10",
        "records",
        titles={"en": "Body-worn cameras", "es": "Cámaras corporales"},
        texts={"en": "Cameras record every stop.", "es": "Las cámaras graban cada detención."},
    )
    policy_draft(coordinator, "GO 7.00", titles={"en": "Secret draft", "es": "Borrador"})

    def found(**params):
        return [e.policy.number for e in client.get("/en/policies/", params).context["entries"]]

    assert found(q="cámaras") == ["GO 5.10"]
    assert found(q="force necessary") == ["GO 3.02"]
    assert found(q="5.10") == ["GO 5.10"]
    assert found(q="secret") == []
    assert found(category="use_of_force") == ["GO 3.02"]
    assert found(category="not-a-category") == ["GO 3.02", "GO 5.10"]


def test_only_policy_keepers_may_write(db):
    clerk = make_staff("clerk", Role.INTAKE_CLERK)
    with pytest.raises(PermissionDenied):
        policy_draft(clerk)


def test_the_pdf_is_served_for_published_versions_only(coordinator, client):
    from commonground.training.actions import create_policy

    pdf = SimpleUploadedFile("signed.pdf", PDF_BYTES, content_type="application/pdf")
    draft = create_policy(
        by=coordinator, number="GO 1.01", category="other", wording=wording(), pdf=pdf
    )
    assert client.get("/en/policies/go-101/v1/pdf").status_code == 404
    publish_version(version=draft, by=coordinator)

    response = client.get("/en/policies/go-101/v1/pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_staff_pages_keep_what_was_typed_when_something_is_missing(coordinator, client):
    client.force_login(coordinator)
    response = client.post(
        "/en/staff/policies/new/",
        {
            "number": "GO 4.00",
            "category": "conduct",
            "title_en": "Courtesy",
            "text_en": "Be polite.",
        },
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "Give the title in Spanish." in body
    assert "Be polite." in body and 'value="GO 4.00"' in body


def test_staff_pages_draft_edit_and_publish(coordinator, client):
    client.force_login(coordinator)
    client.post(
        "/en/staff/policies/new/",
        {
            "number": "GO 4.00",
            "category": "conduct",
            "title_en": "Courtesy",
            "title_es": "Cortesía",
            "text_en": "Be polite.",
            "text_es": "Sea cortés.",
            "effective_on": "2026-02-01",
        },
    )
    from commonground.training.models import PolicyVersion

    draft = PolicyVersion.objects.get(policy__number="GO 4.00")
    response = client.post(f"/en/staff/policy-versions/{draft.pk}/do/publish/")

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED
    assert "Be polite." in client.get("/en/policies/go-400/").content.decode()
