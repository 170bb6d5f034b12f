"""Who is in the partnership: organisations, the area tree, jurisdictions and users (T1-T3, G-).

What each of them may see or do is decided in `access/policy/`, never here.
"""

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node


class Area(MP_Node):
    """A geographic unit in a tree: force area -> county / city / unitary -> district (T2).

    django-treebeard keeps a materialised path, so "every area under X" is a prefix match
    on `path`, which the policy uses to expand an organisation's jurisdiction.
    """

    class Kind(models.TextChoices):
        FORCE = "force", "Police force area"
        COUNTY = "county", "County"
        CITY = "city", "City"
        UNITARY = "unitary", "Unitary authority"
        DISTRICT = "district", "District"

    # A short code that names the area in a partnership file (docs/partnership-set-up.md):
    # the file refers to its parent and to the areas an organisation covers by code.
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)

    node_order_by = ["name"]
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name"], name="area_name_unique")]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A partner in the deployment (T1). Its jurisdiction is a set of area subtrees (T3)."""

    class Kind(models.TextChoices):
        POLICE = "police", "Police force"
        COUNTY = "county", "County council"
        DISTRICT = "district", "District, borough or city council"
        UNITARY = "unitary", "Unitary council"
        HOUSING = "housing", "Housing provider"
        # The value predates the services' present name: kept so that stored rows keep it.
        YOUTH_OFFENDING = "youth_offending", "Youth justice service"
        FIRE = "fire", "Fire and rescue service"
        PROBATION = "probation", "Probation"
        VOLUNTARY = "voluntary", "Voluntary or community body"
        OTHER = "other", "Other"

    # A short code that names the organisation in a partnership file, and stays when its
    # name changes (docs/partnership-set-up.md).
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The partner's single point of contact for the partnership (its designated officer),
    # and the nominated representative who approves its users' access.
    designated_officer = models.ForeignKey(
        "User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    nominated_representative = models.ForeignKey(
        "User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    information_sharing_agreement_signed = models.DateField(
        "information-sharing agreement signed", null=True, blank=True
    )
    code_of_connection_version = models.CharField(max_length=20, blank=True)
    is_active = models.BooleanField(default=True)
    suspended_from = models.DateTimeField(null=True, blank=True)
    suspended_until = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.TextField(blank=True)
    jurisdiction = models.ManyToManyField(
        Area, through="Jurisdiction", related_name="covering_organisations", blank=True
    )
    # The identity under which incidents are shared with the whole organisation through
    # django-guardian's group permissions. Users are not members of it: the policy resolves
    # "my organisation's shares" from user.organisation, so moving a user between
    # organisations can never leave a stale grant behind.
    share_group = models.OneToOneField(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="organisation"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_police(self) -> bool:
        return self.kind == self.Kind.POLICE

    def is_suspended(self, at=None) -> bool:
        if self.suspended_from is None:
            return False
        at = at or timezone.now()
        if at < self.suspended_from:
            return False
        return self.suspended_until is None or at < self.suspended_until

    def may_use_system(self, at=None) -> bool:
        return self.is_active and not self.is_suspended(at)


class Jurisdiction(models.Model):
    """One area subtree an organisation covers: its users see incidents anywhere below it."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="jurisdictions"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="jurisdictions")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "area"], name="jurisdiction_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} covers {self.area}"


class UserGroup(models.TextChoices):
    """The five groups (§3, G1-G4), least privilege first. Each user is in exactly one.

    The value is also the name of the Django auth Group that carries the group's model
    permissions (created by migration access/0002).
    """

    BASIC = "basic", "Basic user"
    OPERATIONAL = "operational", "Operational user"
    ENHANCED = "enhanced", "Enhanced user"
    ANALYST = "analyst", "Super user / analyst"
    ADMINISTRATOR = "administrator", "Administrator"


class User(AbstractUser):
    """A person who signs in. Belongs to one organisation and one group."""

    class TrainingLevel(models.IntegerChoices):
        LEVEL_1 = 1, "Level 1"
        LEVEL_2 = 2, "Level 2"
        LEVEL_3 = 3, "Level 3"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="users")
    group = models.CharField(max_length=20, choices=UserGroup.choices)
    # G2: an analyst may be granted add/amend rights individually ("dual role").
    analyst_can_add_and_amend = models.BooleanField(default=False)
    training_level = models.PositiveSmallIntegerField(
        choices=TrainingLevel.choices, default=TrainingLevel.LEVEL_1
    )
    code_of_connection_confirmed_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code_of_connection_confirmed_at = models.DateTimeField(null=True, blank=True)
    must_change_password = models.BooleanField(default=False)
    # M1: an administrator who manages the users of every organisation and suspends
    # partners (the host of the deployment), not only their own organisation's users.
    manages_all_organisations = models.BooleanField("deployment-wide administrator", default=False)

    REQUIRED_FIELDS = ["email", "organisation", "group"]

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        constraints = [
            # G4: an administrator has completed training level 2 or 3.
            models.CheckConstraint(
                condition=~Q(group="administrator") | Q(training_level__gte=2),
                name="administrator_trained_to_level_2",
            ),
            # M1/G4: nobody is enabled before their code of connection is confirmed.
            models.CheckConstraint(
                condition=Q(is_active=False) | Q(code_of_connection_confirmed_at__isnull=False),
                name="enabled_users_confirmed_code_of_connection",
            ),
            # The policy has no bypass: Django's superuser flag would grant every
            # permission, so no account may carry it.
            models.CheckConstraint(condition=Q(is_superuser=False), name="no_superusers"),
            models.CheckConstraint(
                condition=Q(group__in=UserGroup.values), name="user_group_is_known"
            ),
            models.CheckConstraint(
                condition=Q(manages_all_organisations=False) | Q(group="administrator"),
                name="deployment_administrators_are_administrators",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return f"{self} ({self.organisation})"


class SignedInSession(models.Model):
    """One browser session of a signed-in user, so that all of a user's sessions can be
    ended at once: when they are disabled, their partner suspended, or they sign out
    everywhere (M3, T4, SPEC §17)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    signed_in_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # The browser's User-Agent at sign-in, so that the account page can say which device
    # and browser each session is ("Firefox on Windows").
    user_agent = models.CharField(max_length=400, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.user} since {self.signed_in_at:%Y-%m-%d %H:%M}"


class FormDraft(models.Model):
    """What a user had typed into a form when their session was about to time out, kept
    for them alone until they come back to the same page (SPEC §17: a timed-out form loses
    nothing). Deleted when restored, or after DRAFT_KEEP_DAYS."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="form_drafts")
    path = models.CharField(max_length=300)
    form_key = models.CharField(max_length=100)
    data = models.JSONField(default=dict)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "path", "form_key"], name="one_draft_per_form")
        ]

    def __str__(self) -> str:
        return f"Draft of {self.path} for {self.user}"
