from django.db import models

from commonground.lib.crypto import decrypt_json, encrypt_json


class EncryptedJSONField(models.TextField):
    """A JSON value stored encrypted (Fernet); the database only ever sees ciphertext.

    Not searchable or orderable by design: use it for personal data that staff read on one
    record at a time (names, contact details).
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return None
        return decrypt_json(value)

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt_json(value)
