"""Shared fixtures: settings for fast, isolated tests, and named personas so permission tests
read like the policy."""

import importlib
import uuid

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.core.files.storage import storages
from hypothesis import settings as hypothesis_settings
from storages.backends.s3 import S3Storage

from commonground.accounts.models import Role, User

# No deadlines for property tests: performance lives in benchmarks, and on these shared 2-core
# machines a first call (a polars expression compiling, say) can take longer than any deadline.
hypothesis_settings.register_profile("commonground", deadline=None)
hypothesis_settings.load_profile("commonground")


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STOPS_CACHE_DIR = tmp_path / "stops-cache"
    # Signed audit heads (the daily task) go to the test's own folder, signed with its own key.
    settings.AUDIT_HEAD_DIR = tmp_path / "audit-heads"
    settings.AUDIT_HEAD_SIGNING_KEY = tmp_path / "keys" / "audit-head-signing.pem"
    # Each test's uploads stream to a folder of its own (tests that count leftovers run in
    # parallel with others that upload).
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    from django.core.cache import cache
    from django.utils import translation

    cache.clear()
    # A request to an /es/ page leaves its thread in Spanish; every test starts in English.
    translation.activate("en")


@pytest.fixture(autouse=True)
def _storage_of_its_own():
    """In S3 (CI's third run), each test writes under a key prefix of its own, as MEDIA_ROOT
    gives it a folder of its own on disk, so a test that counts stored objects sees only its own.
    The same storage object is kept (a test may patch it); only its prefix changes."""
    storage = storages["default"]
    if not isinstance(storage, S3Storage):
        yield
        return
    base = storage.location
    storage.location = "/".join(filter(None, [base, f"test-{uuid.uuid4().hex}"]))
    yield
    storage.location = base


STAFF_PASSWORD = "correct-horse-battery"  # noqa: S105 (test personas only)


def make_staff(username: str, *roles: str, mfa: bool = True) -> User:
    user = User.objects.create_user(username=username, password=STAFF_PASSWORD)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    if mfa:
        # A TOTP authenticator, so the mandatory-MFA middleware lets the persona through; its
        # secret stored as allauth stores one (encrypted by our MFA adapter).
        TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    return user


@pytest.fixture
def intake_clerk(db):
    return make_staff("clerk", Role.INTAKE_CLERK)


@pytest.fixture
def investigator(db):
    return make_staff("investigator", Role.INVESTIGATOR)


@pytest.fixture
def supervisor(db):
    return make_staff("supervisor", Role.IA_SUPERVISOR)


@pytest.fixture
def board_member(db):
    return make_staff("board", Role.BOARD_MEMBER)


@pytest.fixture
def analyst(db):
    return make_staff("analyst", Role.ANALYST)


@pytest.fixture
def custodian(db):
    return make_staff("custodian", Role.EVIDENCE_CUSTODIAN)


@pytest.fixture
def administrator(db):
    return make_staff("admin", Role.ADMINISTRATOR)


@pytest.fixture
def engagement_officer(db):
    return make_staff("engagement", Role.COMMUNITY_ENGAGEMENT)


@pytest.fixture
def interviewer(db):
    return make_staff("interviewer", Role.INTERVIEWER)


@pytest.fixture
def persona(db):
    """Any role by name: persona("board_staff")."""

    def build(role: str, **kwargs):
        return make_staff(f"user-{role}", role, **kwargs)

    return build


@pytest.fixture
def on_commit_immediately(monkeypatch):
    """Run on-commit callbacks (notifications) at once: tests run inside one transaction that
    never commits."""
    monkeypatch.setattr(
        "django.db.transaction.on_commit", lambda func, using=None, robust=False: func()
    )


# Rows the migrations seed (roles, deadline rules, the discipline ladder), and the function each
# migration seeds them with.
SEEDING_MIGRATIONS = [
    ("commonground.accounts.migrations.0002_roles", "create_roles"),
    ("commonground.accounts.migrations.0003_agency_head_role", "create_role"),
    ("commonground.accounts.migrations.0005_evidence_custodian_role", "create_role"),
    ("commonground.investigations.migrations.0002_default_deadlines", "create_rules"),
    ("commonground.oversight.migrations.0002_discipline_ladder", "create_ladder"),
    ("commonground.evidence.migrations.0003_default_retention", "seed"),
]
_flushed = {"yes": False}


@pytest.fixture(autouse=True)
def _seeded_rows(request):
    """Live-server and other transactional tests flush the whole database when they end, the
    seeded rows with it. Once that has happened in this process, put them back before each test
    that uses the database."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    transactional = bool({"live_server", "transactional_db"} & names) or bool(
        marker and marker.kwargs.get("transaction")
    )
    if not (marker or {"db", "transactional_db", "live_server"} & names):
        return
    if _flushed["yes"]:
        from django.apps import apps

        request.getfixturevalue("_django_db_helper")
        for module, function in SEEDING_MIGRATIONS:
            getattr(importlib.import_module(module), function)(apps, None)
    if transactional:
        _flushed["yes"] = True
