"""The resident's unfinished report, kept encrypted in their session between steps.

What is kept is what they typed (so every step re-renders it and is validated again at review);
uploads are stored at once and listed by id. Filing the report removes the draft.

The session also keeps a random binding, which the review page's submission token carries (as a
keyed hash): a token shows its tracking code again only in the session it was made for, so a
double click, a reload or a retry finds the code, and a token copied to another browser does not.
The binding stays when the draft goes, and ends with the browser, as the session does."""

import secrets

from commonground.lib.crypto import decrypt_json, encrypt_json

SESSION_KEY = "intake_draft"
BINDING_KEY = "submission_binding"


class Draft:
    def __init__(self, request):
        self.request = request
        sealed = request.session.get(SESSION_KEY)
        self.data = decrypt_json(sealed) if sealed else {}
        self.data.setdefault("steps", {})
        self.data.setdefault("officers", [])
        self.data.setdefault("people", [])
        self.data.setdefault("files", [])
        self.data.setdefault("unsent", {})
        self.data.setdefault("key", secrets.token_hex(16))

    @property
    def key(self) -> str:
        return self.data["key"]

    def step(self, name: str) -> dict | None:
        return self.data["steps"].get(name)

    def set_step(self, name: str, values: dict) -> None:
        self.data["steps"][name] = values
        self.save()

    def keep_unsent(self, name: str, values: dict) -> None:
        """What was typed into a form that did not pass its checks: the page shows it again,
        with its messages, after the redirect (and after a change of language)."""
        self.data["unsent"][name] = values
        self.save()

    def unsent(self, name: str) -> dict | None:
        return self.data["unsent"].get(name)

    def forget_unsent(self, name: str) -> None:
        if self.data["unsent"].pop(name, None) is not None:
            self.save()

    @property
    def kind(self) -> str:
        return (self.step("kind") or {}).get("kind", "")

    def save(self) -> None:
        self.request.session[SESSION_KEY] = encrypt_json(self.data)

    @property
    def binding(self) -> str:
        """The session's submission binding (see the module's notes), made on first use."""
        session = self.request.session
        if BINDING_KEY not in session:
            session[BINDING_KEY] = secrets.token_hex(16)
        return session[BINDING_KEY]

    def discard(self) -> None:
        """Forget the draft; the binding stays, so that a reload of the confirmation, or a retry
        whose answer was lost on the way, still shows the code."""
        self.request.session.pop(SESSION_KEY, None)
