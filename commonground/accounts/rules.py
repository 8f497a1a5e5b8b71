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
            Role.AGENCY_HEAD,
        }
    ),
    "complaints.view_personal_data": frozenset(
        {Role.INTAKE_CLERK, Role.INVESTIGATOR, Role.IA_SUPERVISOR, Role.ADMINISTRATOR}
    ),
    "complaints.intake": frozenset({Role.INTAKE_CLERK, Role.IA_SUPERVISOR, Role.ADMINISTRATOR}),
    "audit.view": frozenset({Role.IA_SUPERVISOR, Role.ADMINISTRATOR}),
    "roster.record_commendation": frozenset({Role.IA_SUPERVISOR}),
    # Decisions on a case belong to the people with that authority, not to administrators.
    "investigations.triage": frozenset({Role.IA_SUPERVISOR}),
    "investigations.assign": frozenset({Role.IA_SUPERVISOR}),
    "investigations.toll": frozenset({Role.IA_SUPERVISOR}),
    "investigations.investigate": frozenset({Role.INVESTIGATOR, Role.IA_SUPERVISOR}),
    "investigations.approve": frozenset({Role.IA_SUPERVISOR}),
    "investigations.queues": frozenset({Role.INVESTIGATOR, Role.IA_SUPERVISOR}),
    "investigations.overview": frozenset(
        {Role.IA_SUPERVISOR, Role.BOARD_STAFF, Role.AGENCY_HEAD, Role.ANALYST, Role.ADMINISTRATOR}
    ),
    "oversight.view": frozenset(
        {Role.BOARD_MEMBER, Role.BOARD_STAFF, Role.IA_SUPERVISOR, Role.AGENCY_HEAD}
    ),
    "oversight.manage": frozenset({Role.BOARD_STAFF}),
    "oversight.vote": frozenset({Role.BOARD_MEMBER}),
    "oversight.decide": frozenset({Role.AGENCY_HEAD}),
    # Evidence: investigators see the items of their own cases (evidence.selectors.visible_items);
    # supervisors and the custodian see every item.
    "evidence.view": frozenset({Role.INVESTIGATOR, Role.IA_SUPERVISOR, Role.EVIDENCE_CUSTODIAN}),
    "evidence.view_all": frozenset({Role.IA_SUPERVISOR, Role.EVIDENCE_CUSTODIAN}),
    "evidence.import": frozenset({Role.INVESTIGATOR, Role.IA_SUPERVISOR, Role.EVIDENCE_CUSTODIAN}),
    "evidence.redact": frozenset({Role.INVESTIGATOR, Role.IA_SUPERVISOR}),
    "evidence.share": frozenset({Role.IA_SUPERVISOR, Role.EVIDENCE_CUSTODIAN}),
    "evidence.retention": frozenset({Role.IA_SUPERVISOR, Role.EVIDENCE_CUSTODIAN}),
    "evidence.dispose": frozenset({Role.EVIDENCE_CUSTODIAN}),
    # Stops and use of force: analysts load the agency's files; the analyses are aggregates, so
    # the people who oversee the agency read them too. Record-level pages stay with analysts and IA.
    "stops.import": frozenset({Role.ANALYST}),
    "stops.view_records": frozenset({Role.ANALYST, Role.IA_SUPERVISOR}),
    "stops.link_complaint": frozenset({Role.ANALYST, Role.IA_SUPERVISOR}),
    "stops.analyse": frozenset(
        {Role.ANALYST, Role.IA_SUPERVISOR, Role.AGENCY_HEAD, Role.BOARD_MEMBER, Role.BOARD_STAFF}
    ),
    # Early intervention: personnel records, never public. Supervisors see the alerts about the
    # officers they command; IA sees all; the figures per detector are aggregates.
    "early_warning.review": frozenset({Role.FIELD_SUPERVISOR, Role.IA_SUPERVISOR}),
    "early_warning.view_all": frozenset({Role.IA_SUPERVISOR}),
    "early_warning.report": frozenset({Role.IA_SUPERVISOR, Role.ANALYST, Role.AGENCY_HEAD}),
    # Publishing: analysts rebuild the public datasets between the nightly builds; policies are
    # kept by administrators and the community-engagement officers who explain them.
    "publish.release": frozenset({Role.ANALYST, Role.ADMINISTRATOR}),
    "training.manage_policies": frozenset(
        {Role.ADMINISTRATOR, Role.TRAINING_COORDINATOR, Role.COMMUNITY_ENGAGEMENT}
    ),
}


def _assigned_or_supervisor(user, case) -> bool:
    return case.investigator_id == user.pk or Role.IA_SUPERVISOR in user.roles()


def _not_own_work(user, case) -> bool:
    return case.investigator_id != user.pk


def commands(user, officer) -> bool:
    """Whether the user is the commander of the officer's unit or of a unit above it."""
    own = user.officer_id
    if own is None or own == officer.pk:
        return False
    units = officer.unit.chain_of_command() if officer.unit else ()
    return any(unit.commander_id == own for unit in units)


def _supervises(user, obj) -> bool:
    """An alert (or an officer's record) is for IA, the supervisor it was sent to, and whoever
    commands the officer now."""
    if Role.IA_SUPERVISOR in user.roles():
        return True
    officer = getattr(obj, "officer", obj)
    return getattr(obj, "supervisor_id", None) == user.pk or commands(user, officer)


# permission -> rule(user, obj) -> bool, applied after the role check when an object is given.
OBJECT_RULES: dict[str, Callable[[object, object], bool]] = {
    "investigations.investigate": _assigned_or_supervisor,
    "investigations.approve": _not_own_work,
    "early_warning.review": _supervises,
}


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
