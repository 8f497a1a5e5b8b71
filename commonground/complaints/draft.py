"""The resident's unfinished report, kept encrypted in their session between steps.

What is kept is what they typed (so every step re-renders it and is validated again at review);
uploads are stored at once and listed by id. Filing the report ends the session."""

import secrets

from commonground.lib.crypto import decrypt_json, encrypt_json

SESSION_KEY = "intake_draft"


class Draft:
    def __init__(self, request):
        self.request = request
        sealed = request.session.get(SESSION_KEY)
        self.data = decrypt_json(sealed) if sealed else {}
        self.data.setdefault("steps", {})
        self.data.setdefault("officers", [])
        self.data.setdefault("people", [])
        self.data.setdefault("files", [])
        self.data.setdefault("key", secrets.token_hex(16))

    @property
    def key(self) -> str:
        return self.data["key"]

    def step(self, name: str) -> dict | None:
        return self.data["steps"].get(name)

    def set_step(self, name: str, values: dict) -> None:
        self.data["steps"][name] = values
        self.save()

    @property
    def kind(self) -> str:
        return (self.step("kind") or {}).get("kind", "")

    def save(self) -> None:
        self.request.session[SESSION_KEY] = encrypt_json(self.data)

    def discard(self) -> None:
        self.request.session.flush()
