from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Staff roles. Each is a Django group of the same name; a user may hold several."""

    INTAKE_CLERK = "intake_clerk", _("Intake clerk")
    INVESTIGATOR = "investigator", _("Investigator")
    IA_SUPERVISOR = "ia_supervisor", _("Internal affairs supervisor")
    BOARD_MEMBER = "board_member", _("Oversight board member")
    BOARD_STAFF = "board_staff", _("Oversight board staff")
    COMMUNITY_ENGAGEMENT = "community_engagement", _("Community engagement officer")
    TRAINING_COORDINATOR = "training_coordinator", _("Training coordinator")
    ANALYST = "analyst", _("Analyst")
    ADMINISTRATOR = "administrator", _("Administrator")
    AGENCY_HEAD = "agency_head", _("Agency head")
    EVIDENCE_CUSTODIAN = "evidence_custodian", _("Evidence custodian")
    # Takes the agency head's decision on the cases every agency head is conflicted on.
    DECISION_ALTERNATE = "decision_alternate", _("Alternate for the agency head's decisions")
    # Sworn staff: supervisors review early-intervention alerts about the officers they command;
    # any officer with an account reads their own record.
    FIELD_SUPERVISOR = "field_supervisor", _("Field supervisor")
    OFFICER = "officer", _("Sworn officer")
    # Works a survey's sample of phone numbers and enters paper questionnaires.
    INTERVIEWER = "interviewer", _("Survey interviewer")


class User(AbstractUser):
    """A staff member. Residents never have accounts."""

    preferred_language = models.CharField(max_length=8, default="en")
    unit = models.ForeignKey(
        "roster.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="staff"
    )
    # The sworn member this account belongs to, if any: investigators must not investigate
    # themselves or their own unit.
    officer = models.OneToOneField(
        "roster.Officer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user_account",
    )

    def roles(self) -> frozenset[str]:
        if not hasattr(self, "_roles_cache"):
            self._roles_cache = frozenset(self.groups.values_list("name", flat=True))
        return self._roles_cache

    def role_labels(self) -> list[str]:
        return [Role(r).label for r in sorted(self.roles()) if r in Role.values]
