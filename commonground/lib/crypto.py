"""Encryption at rest and keyed hashes, with keys from settings (and so from the environment)."""

import base64
import hashlib
import hmac
import json
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def derive_key(purpose: str) -> bytes:
    return _derive(purpose, settings.SECRET_KEY)


@cache
def _derive(purpose: str, secret_key: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        secret_key.encode()
    )


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if keys:
        return MultiFernet([Fernet(k) for k in keys])
    return MultiFernet([Fernet(base64.urlsafe_b64encode(derive_key("commonground.encryption")))])


def fernet() -> MultiFernet:
    """The first key encrypts; every listed key decrypts (so keys can be rotated)."""
    return _fernet(tuple(settings.ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt_json(value) -> str:
    return fernet().encrypt(json.dumps(value, sort_keys=True).encode()).decode()


def decrypt_json(token: str):
    return json.loads(fernet().decrypt(token.encode()))


def rotate(token: str) -> str:
    return fernet().rotate(token.encode()).decode()


def keyed_hash(value: str, purpose: str) -> str:
    """HMAC-SHA256 of the value under a secret that is specific to its purpose."""
    secret = settings.TRACKING_CODE_SECRET.encode() if purpose == "tracking-code" else b""
    key = secret or derive_key(f"commonground.hmac.{purpose}")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
