"""Files through whichever storage is configured: the local disk by default, S3 in CI's third run
(`.ci/run` starts SeaweedFS and sets AWS_STORAGE_BUCKET_NAME); and the settings that choose it."""

import hashlib
import os
import uuid

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.module_loading import import_string
from storages.backends.s3 import S3Storage

from commonground.evidence.actions import ingest_upload
from commonground.lib.storage import storages_from_env

pytestmark = pytest.mark.files

VARIABLES = [
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_LOCATION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
]


@pytest.fixture
def folder():
    """A folder of its own in the storage, emptied afterwards even when the test fails."""
    name = f"tests/{uuid.uuid4().hex}"
    yield name
    for file_name in default_storage.listdir(name)[1]:
        default_storage.delete(f"{name}/{file_name}")


@pytest.fixture
def no_storage_variables(monkeypatch):
    """A clean slate: CI's S3 run sets these for the whole process."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    return monkeypatch


def test_the_configured_storage_is_the_one_the_environment_chooses():
    backend = storages_from_env()["default"]["BACKEND"]
    assert settings.STORAGES["default"]["BACKEND"] == backend
    assert type(storages["default"]) is import_string(backend)  # what default_storage wraps


def test_a_file_is_stored_read_back_listed_and_deleted(folder):
    # Every byte value, and more than one read buffer's worth.
    data = bytes(range(256)) * 4096 + os.urandom(1000)
    name = default_storage.save(f"{folder}/sample.bin", ContentFile(data))
    assert name == f"{folder}/sample.bin"
    assert default_storage.exists(name)
    assert default_storage.size(name) == len(data)
    with default_storage.open(name, "rb") as f:
        assert f.read() == data
    assert default_storage.listdir(folder) == ([], ["sample.bin"])

    default_storage.delete(name)
    assert not default_storage.exists(name)
    assert default_storage.listdir(folder) == ([], [])


def test_a_name_already_taken_is_never_overwritten(folder):
    first = default_storage.save(f"{folder}/same", ContentFile(b"first"))
    second = default_storage.save(f"{folder}/same", ContentFile(b"second"))
    assert second != first
    with default_storage.open(first, "rb") as f:
        assert f.read() == b"first"
    with default_storage.open(second, "rb") as f:
        assert f.read() == b"second"
    assert sorted(default_storage.listdir(folder)[1]) == sorted(
        [first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]]
    )


@pytest.mark.django_db
def test_large_evidence_is_kept_bit_for_bit_with_the_hash_of_what_was_stored():
    # Over boto3's 8 MB multipart threshold, so S3 receives it in parts.
    original = b"%PDF-1.7\n" + os.urandom(9 * 1024 * 1024)
    stored = ingest_upload(
        upload=SimpleUploadedFile("bodycam-export.pdf", original, "application/pdf"),
        strip_metadata=False,
    )
    try:
        with default_storage.open(stored.file.name, "rb") as f:
            assert f.read() == original
        assert stored.size == len(original)
        assert stored.sha256 == hashlib.sha256(original).hexdigest()
    finally:
        stored.file.delete(save=False)


def test_without_a_bucket_files_stay_on_the_local_disk(no_storage_variables):
    assert storages_from_env() == {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }


def test_a_bucket_moves_files_to_s3_privately_with_path_style_addressing(
    no_storage_variables, tmp_path
):
    env = no_storage_variables
    env.setenv("AWS_STORAGE_BUCKET_NAME", "evidence")
    env.setenv("AWS_S3_ENDPOINT_URL", "http://seaweedfs.internal:8333")
    env.setenv("AWS_LOCATION", "riverton")
    env.setenv("AWS_ACCESS_KEY_ID", "cg-access")
    secret = tmp_path / "secret"
    secret.write_text("cg-secret-from-a-file\n")
    env.setenv("AWS_SECRET_ACCESS_KEY_FILE", str(secret))

    config = storages_from_env()
    assert config["default"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "evidence",
            "region_name": "us-east-1",
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": False,
            "location": "riverton",
            "endpoint_url": "http://seaweedfs.internal:8333",
            "addressing_style": "path",
            "access_key": "cg-access",
            "secret_key": "cg-secret-from-a-file",
        },
    }
    assert (
        config["staticfiles"]["BACKEND"]
        == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )

    # What the back end makes of it, without a request: the bucket in the path (not the host
    # name), under the prefix, no ACL sent with a write, and plain URLs with no signature.
    storage = S3Storage(**config["default"]["OPTIONS"])
    client = storage.connection.meta.client
    assert client.meta.endpoint_url == "http://seaweedfs.internal:8333"
    assert client.meta.region_name == "us-east-1"
    credentials = storage._create_session().get_credentials()
    assert (credentials.access_key, credentials.secret_key) == (
        "cg-access",
        "cg-secret-from-a-file",
    )
    assert "ACL" not in storage._get_write_parameters("riverton/x", ContentFile(b"x"))
    url = storage.url("evidence/2026/01/abc")
    assert url == "http://seaweedfs.internal:8333/evidence/riverton/evidence/2026/01/abc"


def test_a_bucket_on_aws_needs_no_endpoint_and_no_keys(no_storage_variables):
    no_storage_variables.setenv("AWS_STORAGE_BUCKET_NAME", "evidence")
    no_storage_variables.setenv("AWS_S3_REGION_NAME", "us-west-2")
    options = storages_from_env()["default"]["OPTIONS"]
    # Keys then come from boto3's own chain (an instance role, say); AWS picks the addressing.
    assert not {"endpoint_url", "addressing_style", "access_key", "secret_key"} & set(options)
    assert options["region_name"] == "us-west-2"
    assert options["querystring_auth"] is False and options["default_acl"] is None


def test_one_key_without_the_other_stops_start_up(no_storage_variables):
    no_storage_variables.setenv("AWS_STORAGE_BUCKET_NAME", "evidence")
    no_storage_variables.setenv("AWS_ACCESS_KEY_ID", "cg-access")
    with pytest.raises(ImproperlyConfigured, match="AWS_SECRET_ACCESS_KEY"):
        storages_from_env()
