"""Second-factor secrets stored in clear before they were encrypted at rest (the TOTP key, the
recovery codes' seed and any migrated codes) are encrypted with the field keys, as
accounts.adapter.StaffMFAAdapter.encrypt now stores them."""

from django.db import migrations

from commonground.lib.crypto import decrypt_json, encrypt_json

# Every Fernet token starts so (its version byte); a base32 TOTP key or a hex seed never does.
FERNET_PREFIX = "gAAAAA"


def _secret_fields(data: dict):
    """(container, key) of each secret in an authenticator's data."""
    for key in ("secret", "seed"):
        if isinstance(data.get(key), str):
            yield data, key
    codes = data.get("migrated_codes")
    if isinstance(codes, list):
        for index, code in enumerate(codes):
            if isinstance(code, str):
                yield codes, index


def _convert(apps, change) -> None:
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=["totp", "recovery_codes"]):
        changed = False
        for container, key in _secret_fields(authenticator.data):
            new = change(container[key])
            if new != container[key]:
                container[key], changed = new, True
        if changed:
            authenticator.save(update_fields=["data"])


def encrypt_secrets(apps, schema_editor):
    _convert(apps, lambda v: v if v.startswith(FERNET_PREFIX) else encrypt_json(v))


def decrypt_secrets(apps, schema_editor):
    _convert(apps, lambda v: decrypt_json(v) if v.startswith(FERNET_PREFIX) else v)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_decision_alternate_role"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets, elidable=False)]
