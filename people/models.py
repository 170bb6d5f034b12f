"""People, kept once and linked to incidents through involvements (SPEC P1-P6).

Who may see a person is decided in access/policy/ (`visible_people`): someone who can see
at least one incident the person is involved in.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from incidents.models import Incident

from .names import NORMALISED_MAX, normalise_name

# Each name, and the column that keeps it in the form it is compared in (people/names.py).
NORMALISED_FIELDS = {
    "given_name": "given_name_normalised",
    "family_name": "family_name_normalised",
}


class InterventionType(models.Model):
    """Interventions and disposals (P5); reference data administrators keep."""

    code = models.CharField(max_length=40, unique=True)
    label = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class Person(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "In another way"
        NOT_KNOWN = "not_known", "Not known"

    class Ethnicity(models.TextChoices):
        """ONS 2021 census categories, with "not stated"."""

        ASIAN_INDIAN = "asian_indian", "Asian or Asian British: Indian"
        ASIAN_PAKISTANI = "asian_pakistani", "Asian or Asian British: Pakistani"
        ASIAN_BANGLADESHI = "asian_bangladeshi", "Asian or Asian British: Bangladeshi"
        ASIAN_CHINESE = "asian_chinese", "Asian or Asian British: Chinese"
        ASIAN_OTHER = "asian_other", "Asian or Asian British: any other Asian background"
        BLACK_AFRICAN = "black_african", "Black, Black British, Caribbean or African: African"
        BLACK_CARIBBEAN = (
            "black_caribbean",
            "Black, Black British, Caribbean or African: Caribbean",
        )
        BLACK_OTHER = "black_other", "Black, Black British, Caribbean or African: any other"
        MIXED_WHITE_BLACK_CARIBBEAN = "mixed_wbc", "Mixed: White and Black Caribbean"
        MIXED_WHITE_BLACK_AFRICAN = "mixed_wba", "Mixed: White and Black African"
        MIXED_WHITE_ASIAN = "mixed_wa", "Mixed: White and Asian"
        MIXED_OTHER = "mixed_other", "Mixed: any other mixed or multiple background"
        WHITE_BRITISH = (
            "white_british",
            "White: English, Welsh, Scottish, Northern Irish or British",
        )
        WHITE_IRISH = "white_irish", "White: Irish"
        WHITE_GYPSY = "white_gypsy", "White: Gypsy or Irish Traveller"
        WHITE_ROMA = "white_roma", "White: Roma"
        WHITE_OTHER = "white_other", "White: any other White background"
        ARAB = "arab", "Other ethnic group: Arab"
        OTHER = "other", "Other ethnic group: any other"
        NOT_STATED = "not_stated", "Not stated"

    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    other_names = models.CharField("other names or aliases", max_length=200, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="When the date of birth is not known."
    )
    gender = models.CharField(max_length=10, choices=Gender.choices, default=Gender.NOT_KNOWN)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=8, blank=True, db_index=True)
    uprn = models.CharField("UPRN", max_length=12, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    ni_number = models.CharField("National Insurance number", max_length=9, blank=True)
    language = models.CharField("preferred language", max_length=50, blank=True)
    ethnicity = models.CharField(
        max_length=20, choices=Ethnicity.choices, default=Ethnicity.NOT_STATED
    )
    disability = models.TextField(blank=True)
    vulnerability = models.TextField(blank=True)
    support_needs = models.TextField(blank=True)

    # Set when an administrator merges this record into another (SPEC P2): the record is
    # kept, emptied of links, so the merge can be read back (and undone) from history.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    # The names in the form they are compared in (people/names.py: no accents, apostrophes
    # or hyphens, case folded), kept by save(): what matching and search look in, indexed
    # (person_name_normalised here; trigram indexes on PostgreSQL, migration 0005). Derived
    # from the names, so not kept in the history.
    given_name_normalised = models.CharField(max_length=NORMALISED_MAX, editable=False)
    family_name_normalised = models.CharField(max_length=NORMALISED_MAX, editable=False)

    history = HistoricalRecords(excluded_fields=list(NORMALISED_FIELDS.values()))

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["family_name", "given_name"], name="person_name"),
            models.Index(
                fields=["family_name_normalised", "given_name_normalised"],
                name="person_name_normalised",
            ),
            models.Index(fields=["date_of_birth"], name="person_dob"),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def save(self, *args, **kwargs):
        for name, normalised in NORMALISED_FIELDS.items():
            setattr(self, normalised, normalise_name(getattr(self, name)))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(NORMALISED_FIELDS) & set(update_fields):
            kwargs["update_fields"] = {*update_fields, *NORMALISED_FIELDS.values()}
        super().save(*args, **kwargs)

    def latest_consent(self, incident, scope: str) -> "Consent | None":
        """The consent decision in force for `scope` on this incident (P6): the latest
        decision date; same-day decisions in the order they were recorded (a decision
        entered late about an earlier date does not override a later one)."""
        return (
            self.consents.filter(incident=incident, scope=scope)
            .order_by("-decided_on", "-recorded_at", "-id")
            .first()
        )

    def consent_given(self, incident, scope: str) -> bool:
        """Whether the person's consent for `scope` is given for this incident now."""
        latest = self.latest_consent(incident, scope)
        return latest is not None and latest.status == Consent.Status.GIVEN


class Involvement(models.Model):
    """A person's part in an incident, with what is true of them for this incident (P3).

    An anonymised record (C5) has no person: only a label such as "Victim A".
    """

    class Role(models.TextChoices):
        COMPLAINANT = "complainant", "Complainant"
        VICTIM = "victim", "Victim"
        WITNESS = "witness", "Witness"
        PERPETRATOR = "perpetrator", "Perpetrator (alleged)"
        DEPENDANT = "dependant", "Dependant"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="involvements")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="involvements"
    )
    anonymised_label = models.CharField(max_length=100, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices)
    dependant_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="dependants"
    )
    risk_notes = models.TextField(
        "risk from protected characteristics and circumstances", blank=True
    )
    support_needs = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["role", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | ~models.Q(anonymised_label=""),
                name="involvement_names_a_person_or_is_anonymised",
            ),
            models.UniqueConstraint(
                fields=["incident", "person", "role"],
                condition=models.Q(person__isnull=False),
                name="person_once_per_role_per_incident",
            ),
        ]
        indexes = [models.Index(fields=["person", "role"], name="involvement_person_role")]

    def __str__(self) -> str:
        who = self.person or self.anonymised_label
        return f"{who}: {self.get_role_display()} in {self.incident_id}"


class Statement(models.Model):
    """A statement from a complainant, victim or witness (P4)."""

    involvement = models.ForeignKey(
        Involvement, on_delete=models.CASCADE, related_name="statements"
    )
    taken = models.BooleanField(default=False)
    taken_on = models.DateField(null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document = models.ForeignKey(
        "incidents.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Statement of {self.involvement}"


class Intervention(models.Model):
    """An intervention or disposal against an (alleged) perpetrator (P5)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ISSUED = "issued", "Issued / in force"
        BREACHED = "breached", "Breached"
        COMPLETED = "completed", "Completed"
        EXPIRED = "expired", "Expired"
        WITHDRAWN = "withdrawn", "Withdrawn"

    involvement = models.ForeignKey(
        Involvement, on_delete=models.CASCADE, related_name="interventions"
    )
    type = models.ForeignKey(InterventionType, on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField(null=True, blank=True)
    issuing_organisation = models.ForeignKey(
        "access.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    review_on = models.DateField("review date", null=True, blank=True)
    expires_on = models.DateField("expiry date", null=True, blank=True)
    breaches = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["issued_on", "id"]

    def __str__(self) -> str:
        return f"{self.type} for {self.involvement}"


class Consent(models.Model):
    """Consent to share, per person, incident and scope (P6, docs/requirements.md).

    The newest record for a (person, incident, scope) is the one in force; earlier ones stay
    as the history of what was given, withheld or withdrawn.
    """

    class Scope(models.TextChoices):
        PARTNER_SHARING = "partner_sharing", "Sharing with partners"
        VICTIM_SUPPORT = "victim_support", "Referral to Victim Support"
        HATE_INCIDENT_MONITORING = "hate_incident_monitoring", "Hate incident monitoring"

    class Status(models.TextChoices):
        GIVEN = "given", "Given"
        WITHHELD = "withheld", "Withheld"
        WITHDRAWN = "withdrawn", "Withdrawn"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="consents")
    scope = models.CharField(max_length=30, choices=Scope.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    decided_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["person", "incident", "scope"], name="consent_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()}: {self.get_status_display()}"


class MergeReason(models.Model):
    """Why an administrator merged a duplicate record into another, or undid the merge (P2).

    Kept with the two records, and erased with either of them, rather than in the audit log,
    which outlives them (docs/retention.md): the merge's audit event names this row."""

    class Action(models.TextChoices):
        MERGE = "merge", "Merged"
        UNDO = "undo", "Merge undone"

    action = models.CharField(max_length=5, choices=Action.choices)
    duplicate = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    keep = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.get_action_display()}: person {self.duplicate_id} into {self.keep_id}"
