"""The per-account lockout (CJIS AC-7) and what a failed sign-in keeps of the name it tried.

django-axes counts failures per username. Sign-in ignores the username's case (allauth's
backend matches it case-insensitively), so the name axes counts under must be the account's own,
or each case variant would get five tries of its own. A name that matches no account is often a
password typed into the wrong box: it is kept only as a keyed hash (still one count for all its
variants, so refusals look the same whether or not the account exists).

Second-factor failures count against the same five (`second_factor_failed`), whatever address
they come from, and a locked account cannot finish a pending sign-in (`is_locked`).
"""

import unicodedata

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import get_user_model

from commonground.lib.crypto import keyed_hash

# Django's usernames never contain ':' (UnicodeUsernameValidator), so a label cannot be mistaken
# for one.
UNKNOWN_PREFIX = "unknown:"
_CACHE = "_commonground_lockout_names"


def account_named(attempted: str):
    """The account a sign-in with this name would reach, as Django's and allauth's backends
    find it: the exact name, or else the one account equal to it in any case."""
    name = attempted.strip()
    if not name:
        return None
    users = get_user_model()._default_manager
    exact = users.filter(username=name).first()
    if exact is not None:
        return exact
    # As allauth's get_user_by_username: the database's case-insensitive match, confirmed in
    # Python (SQLite folds ASCII only) and only when unique.
    matches = [u for u in users.filter(username__iexact=name) if u.username.lower() == name.lower()]
    return matches[0] if len(matches) == 1 else None


def identify(attempted: str) -> tuple:
    """The account a name someone tried to sign in with reaches (or None), and what is kept of
    the name: the account's username when it names one, otherwise a keyed hash of the name in a
    case-blind form."""
    account = account_named(attempted)
    if account is not None:
        return account, account.get_username()
    folded = unicodedata.normalize("NFKC", attempted.strip()).casefold()
    return None, UNKNOWN_PREFIX + keyed_hash(folded, "login-username")


def attempted_name(request, credentials=None) -> str:
    """allauth authenticates with `username`, while its form posts the field as `login`."""
    if credentials:
        return str(credentials.get("username") or credentials.get("login") or "")
    if request is None:
        return ""
    return str(request.POST.get("login") or request.POST.get("username") or "")


def username_for_lockout(request, credentials=None) -> str | None:
    """AXES_USERNAME_CALLABLE: the name axes counts failures under and stores (see above).
    Axes asks several times per request; the answer is kept on the request."""
    attempted = attempted_name(request, credentials)
    if not attempted.strip():
        return None
    known = getattr(request, _CACHE, None) if request is not None else None
    if known is None:
        known = {}
        if request is not None:
            setattr(request, _CACHE, known)
    if attempted not in known:
        known[attempted] = identify(attempted)[1]
    return known[attempted]


def _credentials(user) -> dict:
    return {"username": user.get_username()}


def is_locked(request, user) -> bool:
    return AxesProxyHandler.is_locked(request, _credentials(user))


def second_factor_failed(request, user) -> None:
    """A wrong second-factor code is a failed sign-in for the account (the same count and
    cool-off as a wrong password). At the limit axes marks the request, and its middleware
    answers with the lockout page."""
    AxesProxyHandler.user_login_failed(
        sender=user.__class__, credentials=_credentials(user), request=request
    )
