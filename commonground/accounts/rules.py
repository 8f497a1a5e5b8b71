"""Who may do what: the one place every view and action asks.

`PERMISSIONS` maps each permission to the roles that hold it. Object-level rules (a case an
investigator is assigned to, say) are functions in `OBJECT_RULES` that narrow a permission for one
object. Views use `staff_required`; actions call `require`.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied

from commonground.accounts.models import Role

ALL_STAFF = frozenset(Role.values)

PERMISSIONS: dict[str, frozenset[str]] = {
    "staff.access": ALL_STAFF,
    "roster.view": ALL_STAFF,
    "complaints.view_cases": frozenset(
        {
            Role.INTAKE_CLERK,
            Role.INVESTIGATOR,
            Role.IA_SUPERVISOR,
            Role.BOARD_MEMBER,
            Role.BOARD_STAFF,
            Role.ANALYST,
            Role.ADMINISTRATOR,
        }
    ),
    "complaints.view_personal_data": frozenset(
        {Role.INTAKE_CLERK, Role.INVESTIGATOR, Role.IA_SUPERVISOR, Role.ADMINISTRATOR}
    ),
    "complaints.intake": frozenset({Role.INTAKE_CLERK, Role.IA_SUPERVISOR, Role.ADMINISTRATOR}),
    "complaints.transition": frozenset({Role.IA_SUPERVISOR, Role.ADMINISTRATOR}),
    "audit.view": frozenset({Role.IA_SUPERVISOR, Role.ADMINISTRATOR}),
}

# permission -> rule(user, obj) -> bool, applied after the role check when an object is given.
OBJECT_RULES: dict[str, Callable[[object, object], bool]] = {}


def can(user, permission: str, obj=None) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if not (user.roles() & PERMISSIONS[permission]):
        return False
    rule = OBJECT_RULES.get(permission)
    return obj is None or rule is None or rule(user, obj)


def require(user, permission: str, obj=None) -> None:
    if not can(user, permission, obj):
        raise PermissionDenied(permission)
