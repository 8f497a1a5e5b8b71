"""Who may do what: the one place every view and action asks.

`PERMISSIONS` maps each permission to the roles that hold it. Object-level rules (a case an
investigator is assigned to, say) are functions in `OBJECT_RULES` that narrow a permission for one
object. Views use `staff_required`; actions call `require`.
"""

from collections.abc import Callable

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Q

from commonground.accounts.models import Role, User
from commonground.roster.models import Unit

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
            Role.DECISION_ALTERNATE,
        }
    ),
    # Names, contact details, the reporter's and witnesses' words, files' names: narrowed to one
    # case by `_needs_to_know` (the assigned investigator, IA supervisors, intake until a case has
    # an investigator).
    "complaints.view_personal_data": frozenset(
        {Role.INTAKE_CLERK, Role.INVESTIGATOR, Role.IA_SUPERVISOR}
    ),
    "complaints.intake": frozenset({Role.INTAKE_CLERK, Role.IA_SUPERVISOR, Role.ADMINISTRATOR}),
    "audit.view": frozenset({Role.IA_SUPERVISOR, Role.ADMINISTRATOR}),
    "roster.record_commendation": frozenset({Role.IA_SUPERVISOR}),
    # Officers' race, sex and hire date: IA (peer groups, conflicts, early intervention), analysts
    # (benchmarks of the force against the population) and administrators (who keep the roster).
    "roster.view_demographics": frozenset({Role.IA_SUPERVISOR, Role.ANALYST, Role.ADMINISTRATOR}),
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
        {
            Role.BOARD_MEMBER,
            Role.BOARD_STAFF,
            Role.IA_SUPERVISOR,
            Role.AGENCY_HEAD,
            Role.DECISION_ALTERNATE,
        }
    ),
    "oversight.manage": frozenset({Role.BOARD_STAFF}),
    "oversight.vote": frozenset({Role.BOARD_MEMBER}),
    # The alternate decides only the cases no agency head may decide (`_decides`).
    "oversight.decide": frozenset({Role.AGENCY_HEAD, Role.DECISION_ALTERNATE}),
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
    # Calls and letters to residents who chose phone or post: intake (who speaks to residents)
    # and IA supervisors. The task shows the phone number or postal address it needs, and the
    # words of the milestone, nothing else of the case; never to staff named in the case.
    "correspondence.contact": frozenset({Role.INTAKE_CLERK, Role.IA_SUPERVISOR}),
    # Community surveys. Community-engagement officers and analysts design questionnaires, draw
    # samples and print invitations; interviewers work phone samples and enter paper
    # questionnaires; weighting and publishing are the analysts'. Staff results (unweighted and
    # weighted, diagnostics, focus-group themes) are aggregates.
    "surveys.design": frozenset({Role.COMMUNITY_ENGAGEMENT, Role.ANALYST}),
    "surveys.sample": frozenset({Role.COMMUNITY_ENGAGEMENT, Role.ANALYST}),
    "surveys.interview": frozenset({Role.INTERVIEWER, Role.COMMUNITY_ENGAGEMENT}),
    "surveys.enter_paper": frozenset({Role.INTERVIEWER, Role.COMMUNITY_ENGAGEMENT}),
    "surveys.focus_groups": frozenset({Role.COMMUNITY_ENGAGEMENT, Role.ANALYST}),
    "surveys.redact": frozenset({Role.COMMUNITY_ENGAGEMENT, Role.ANALYST}),
    "surveys.weight": frozenset({Role.ANALYST}),
    "surveys.publish": frozenset({Role.ANALYST}),
    "surveys.results": frozenset({Role.COMMUNITY_ENGAGEMENT, Role.ANALYST, Role.AGENCY_HEAD}),
}


def commanded_unit_ids(user) -> frozenset[int]:
    """The units the user's linked officer commands, and every unit below them."""
    own = getattr(user, "officer_id", None)
    if own is None:
        return frozenset()
    units = list(Unit.objects.values_list("pk", "parent_id", "commander_id"))
    children: dict[int, list[int]] = {}
    for pk, parent, _commander in units:
        children.setdefault(parent, []).append(pk)
    found: set[int] = set()
    todo = [pk for pk, _parent, commander in units if commander == own]
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo += children.get(pk, [])
    return frozenset(found)


def directly_commanded_unit_ids(user) -> frozenset[int]:
    """The units whose commander is the user's linked officer (not the units below them)."""
    own = getattr(user, "officer_id", None)
    if own is None:
        return frozenset()
    return frozenset(Unit.objects.filter(commander_id=own).values_list("pk", flat=True))


def conflict_q(user, *paths: str) -> Q | None:
    """The queryset form of `conflicted`: involved officers (reached through each of `paths`,
    say "attachment__report__officers") that are the user's linked officer or serve in a unit
    the user commands directly. None for staff linked to no officer."""
    own = getattr(user, "officer_id", None)
    if own is None:
        return None
    units = directly_commanded_unit_ids(user)
    named = Q()
    for path in paths or ("",):
        prefix = f"{path}__" if path else ""
        named |= Q(**{f"{prefix}officer_id": own}) | Q(**{f"{prefix}officer__unit_id__in": units})
    return named


def commands(user, officer) -> bool:
    """Whether the user is the commander of the officer's unit or of a unit above it."""
    own = user.officer_id
    if own is None or own == officer.pk:
        return False
    return officer.unit_id is not None and officer.unit_id in commanded_unit_ids(user)


def _report_of(obj):
    """The report a case-scoped object belongs to: a report, a case, a board review."""
    if hasattr(obj, "officers"):
        return obj
    if hasattr(obj, "report"):
        return obj.report
    return obj.case.report


def conflicted(user, obj) -> bool:
    """Whether the user is an officer named in the case or the commander of a named officer's
    own unit. A conflicted user may not open the case, act on it or decide it.

    Command through units above does not count: the agency head formally commands everyone and
    is the agency's disciplinary authority, so counting it sent nearly every decision to the
    alternate (135 of 138 in a demo). The immediate commander supervised the conduct in
    question; that is the conflict."""
    own = getattr(user, "officer_id", None)
    if own is None:
        return False
    named = [
        (officer_id, unit_id)
        for officer_id, unit_id in _report_of(obj)
        .officers.filter(officer__isnull=False)
        .values_list("officer_id", "officer__unit_id")
    ]
    if any(officer_id == own for officer_id, _unit in named):
        return True
    units = directly_commanded_unit_ids(user) if named else frozenset()
    return any(unit_id in units for _officer, unit_id in named)


def _investigator_id(obj):
    if hasattr(obj, "investigator_id"):
        return obj.investigator_id
    try:
        return _report_of(obj).case.investigator_id
    except ObjectDoesNotExist:
        return None


def _not_conflicted(user, obj) -> bool:
    return not conflicted(user, obj)


def _needs_to_know(user, obj) -> bool:
    """Personal data of a case: IA supervisors, the investigator assigned to it, and intake
    staff until an investigator is assigned."""
    if conflicted(user, obj):
        return False
    roles = user.roles()
    if Role.IA_SUPERVISOR in roles:
        return True
    investigator = _investigator_id(obj)
    if Role.INVESTIGATOR in roles and investigator == user.pk:
        return True
    return Role.INTAKE_CLERK in roles and investigator is None


def _assigned_or_supervisor(user, case) -> bool:
    if conflicted(user, case):
        return False
    return _investigator_id(case) == user.pk or Role.IA_SUPERVISOR in user.roles()


def _not_own_work(user, case) -> bool:
    return _investigator_id(case) != user.pk and not conflicted(user, case)


def _decides(user, case) -> bool:
    """The agency head decides unless conflicted; the designated alternate decides only the cases
    on which every active agency head is conflicted."""
    if conflicted(user, case):
        return False
    if Role.AGENCY_HEAD in user.roles():
        return True
    heads = User.objects.filter(groups__name=Role.AGENCY_HEAD, is_active=True).distinct()
    return all(conflicted(head, case) for head in heads)


def _supervises(user, obj) -> bool:
    """An alert (or an officer's record) is for IA, the supervisor it was sent to, and whoever
    commands the officer now."""
    if Role.IA_SUPERVISOR in user.roles():
        return True
    officer = getattr(obj, "officer", obj)
    return getattr(obj, "supervisor_id", None) == user.pk or commands(user, officer)


# permission -> rule(user, obj) -> bool, applied after the role check when an object is given.
OBJECT_RULES: dict[str, Callable[[object, object], bool]] = {
    "complaints.view_cases": _not_conflicted,
    "complaints.view_personal_data": _needs_to_know,
    "investigations.triage": _not_conflicted,
    "investigations.assign": _not_conflicted,
    "investigations.toll": _not_conflicted,
    "investigations.investigate": _assigned_or_supervisor,
    "investigations.approve": _not_own_work,
    "oversight.view": _not_conflicted,
    "oversight.decide": _decides,
    "early_warning.review": _supervises,
    "correspondence.contact": _not_conflicted,
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
