"""Where files are kept: the local disk by default, an S3-compatible bucket when one is named.

A function rather than settings code so that tests can build the value from any environment
without reloading the settings module.
"""

from django.core.exceptions import ImproperlyConfigured

from commonground.lib.env import env

FILE_SYSTEM = "django.core.files.storage.FileSystemStorage"
S3 = "storages.backends.s3.S3Storage"
STATIC_FILES = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def storages_from_env() -> dict:
    """Django's STORAGES. Setting AWS_STORAGE_BUCKET_NAME moves the default storage (every
    upload and piece of evidence) to S3; static files stay with WhiteNoise either way."""
    default = {"BACKEND": FILE_SYSTEM}
    if bucket := env("AWS_STORAGE_BUCKET_NAME", ""):
        default = {"BACKEND": S3, "OPTIONS": _s3_options(bucket)}
    return {"default": default, "staticfiles": {"BACKEND": STATIC_FILES}}


def _s3_options(bucket: str) -> dict:
    options = {
        "bucket_name": bucket,
        "region_name": env("AWS_S3_REGION_NAME", "us-east-1"),
        # Names are random, but a name taken is never replaced: evidence is kept bit for bit.
        "file_overwrite": False,
        # No ACL header: objects get the bucket's own policy, which must be private. Nothing is
        # ever public, and there are no presigned links: staff downloads stream through Django,
        # so each one is checked and audited.
        "default_acl": None,
        "querystring_auth": False,
    }
    if location := env("AWS_LOCATION", ""):
        options["location"] = location
    if endpoint := env("AWS_S3_ENDPOINT_URL", ""):
        options["endpoint_url"] = endpoint
        # SeaweedFS and MinIO serve every bucket on the endpoint's own host name.
        options["addressing_style"] = "path"
    # Without both keys, boto3 finds credentials itself (its environment variables, an instance
    # role, ~/.aws); through these, the secret can also come from AWS_SECRET_ACCESS_KEY_FILE.
    access_key, secret_key = env("AWS_ACCESS_KEY_ID", ""), env("AWS_SECRET_ACCESS_KEY", "")
    if bool(access_key) != bool(secret_key):
        raise ImproperlyConfigured(
            "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (boto3's own chain)."
        )
    if access_key:
        options["access_key"], options["secret_key"] = access_key, secret_key
    return options


def walk(storage, folder: str = ""):
    """Every stored object's name under a folder (all of them by default), local disk or S3."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    prefix = f"{folder}/" if folder else ""
    for name in files:
        yield prefix + name
    for sub in folders:
        yield from walk(storage, prefix + sub)
