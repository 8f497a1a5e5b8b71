"""Writes about staff accounts: ending sessions and recording changes to who may do what."""

from dataclasses import asdict, dataclass

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db import transaction

from commonground.accounts.models import User
from commonground.audit.actions import record
from commonground.lib.crypto import rotate


@dataclass(frozen=True)
class AccountState:
    """What an account may do: the fields whose changes are permission changes (CJIS AC-2)."""

    is_active: bool
    is_staff: bool
    is_superuser: bool
    roles: tuple[str, ...]
    permissions: tuple[str, ...]

    @classmethod
    def of(cls, account: User) -> "AccountState":
        if account.pk is None:
            return cls(False, False, False, (), ())
        return cls(
            is_active=account.is_active,
            is_staff=account.is_staff,
            is_superuser=account.is_superuser,
            roles=tuple(sorted(account.groups.values_list("name", flat=True))),
            permissions=tuple(sorted(account.user_permissions.values_list("codename", flat=True))),
        )


@transaction.atomic
def end_sessions(*, account: User, by, reason: str) -> int:
    """Sign the account out everywhere: every session it holds is deleted from the store."""
    sessions = UserSession.objects.filter(user=account)
    ended = 0
    for session in sessions:
        session.end()
        ended += 1
    record(
        actor=by,
        action="account.sessions_ended",
        target=account,
        data={"reason": reason, "sessions": ended},
    )
    return ended


@transaction.atomic
def record_account_change(*, account: User, before: AccountState, by, how: str) -> AccountState:
    """Audit what changed in an account's powers; a disabled account is signed out everywhere."""
    after = AccountState.of(account)
    old, new = asdict(before), asdict(after)
    changed = {name: {"from": old[name], "to": new[name]} for name in old if old[name] != new[name]}
    if changed:
        record(
            actor=by,
            action="account.permissions_changed",
            target=account,
            data={"changes": changed, "how": how},
        )
    if before.is_active and not after.is_active:
        end_sessions(account=account, by=by, reason="account disabled")
    return after


@transaction.atomic
def rotate_second_factor_secrets() -> int:
    """Re-encrypt every second factor's secrets (adapter.StaffMFAAdapter) with the newest of
    ENCRYPTION_KEYS, for `manage.py rotate_encryption`. Secrets sit inside each authenticator's
    JSON data, so the command's table-and-column list cannot reach them."""
    done = 0
    authenticators = Authenticator.objects.select_for_update().filter(
        type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    )
    for authenticator in authenticators:
        data = authenticator.data
        for key in ("secret", "seed"):
            if key in data:
                data[key] = rotate(data[key])
                done += 1
        if "migrated_codes" in data:
            data["migrated_codes"] = [rotate(code) for code in data["migrated_codes"]]
            done += len(data["migrated_codes"])
        authenticator.save(update_fields=["data"])
    return done
