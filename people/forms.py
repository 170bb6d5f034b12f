"""Forms for people, involvements, statements, interventions and consent.

Forms check the shape of what was typed (a date, a whole number, a choice from the list,
what is required, the length the input allows); the rules, and their messages, live in
people/services.py. A form that can run a rule early, so that every message shows on the
first submit, calls the service's own function (`PersonDetailsForm.clean`,
`_DependantMixin._check_dependant`), and a required field asks in the service's words.
"""

from django import forms
from django.core.exceptions import ValidationError

from access import policy
from access.models import Organisation
from common.forms import GovukDateField

from . import services
from .models import Consent, Intervention, InterventionType, Involvement, Person

DATE_HINT = "For example, 27 3 2007"


def _text(
    label,
    *,
    required=False,
    max_length=None,
    help_text="",
    width=None,
    required_message="",
    **attrs,
):
    if width:
        attrs["class"] = f"govuk-input--width-{width}"
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs),
        error_messages={
            "required": required_message or f"Enter the {label.lower()}",
            "max_length": f"{label} must be {max_length} characters or fewer",
        },
    )


def _textarea(label, *, help_text="", rows=3, max_length=5000):
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": f"{label} must be {max_length:,} characters or fewer"},
    )


class DateField(GovukDateField):
    """A date typed as day, month and year in the GOV.UK date input (common.forms), with
    messages in the words GOV.UK forms use."""

    def __init__(
        self, label, *, required=False, help_text=DATE_HINT, required_message="", **kwargs
    ):
        super().__init__(
            label=label,
            required=required,
            help_text=help_text,
            required_message=required_message or f"Enter the {label.lower()}",
            **kwargs,
        )


def _role_field(label="Their role in the incident"):
    return forms.ChoiceField(
        label=label,
        choices=Involvement.Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": services.CHOOSE_ROLE},
    )


def _dependant_field():
    return forms.ModelChoiceField(
        label="Whose dependant are they?",
        help_text="Only for a dependant.",
        queryset=Involvement.objects.none(),
        required=False,
        empty_label="Not a dependant",
        error_messages={"invalid_choice": services.CHOOSE_SOMEONE_INVOLVED},
    )


class _DependantMixin:
    """Whose dependant someone is (P3), checked as soon as the role is known, by the
    service's rule (`services.dependant_problem`)."""

    def _set_dependants(self, incident):
        self._incident = incident
        field = self.fields["dependant_of"]
        field.queryset = (
            incident.involvements.exclude(role=Involvement.Role.DEPENDANT)
            .select_related("person")
            .order_by("id")
        )
        field.label_from_instance = involvement_label

    def _check_dependant(self, cleaned):
        role = cleaned.get("role")
        if not role:
            return  # the role has its own message
        problem = services.dependant_problem(self._incident, role, cleaned.get("dependant_of"))
        if problem:
            self.add_error("dependant_of", problem)


def involvement_label(involvement: Involvement) -> str:
    who = involvement.person or involvement.anonymised_label
    return f"{who} ({involvement.get_role_display().lower()})"


class PersonDetailsForm(forms.Form):
    """A person's details as a caseworker records them (P1)."""

    given_name = _text(
        "First name",
        required=True,
        max_length=100,
        required_message=services.ENTER_GIVEN_NAME,
        autocomplete="off",
    )
    family_name = _text(
        "Last name",
        required=True,
        max_length=100,
        required_message=services.ENTER_FAMILY_NAME,
        autocomplete="off",
    )
    other_names = _text("Other names or aliases", max_length=200)
    date_of_birth = DateField("Date of birth")
    # Its range is the service's rule, checked in `clean`.
    estimated_age = forms.IntegerField(
        label="Estimated age",
        help_text="Only if you do not know their date of birth.",
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-3", "inputmode": "numeric"}),
        error_messages={"invalid": "Estimated age must be a whole number, like 35"},
    )
    gender = forms.ChoiceField(
        label="Gender",
        choices=Person.Gender.choices,
        initial=Person.Gender.NOT_KNOWN,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose their gender, or “Not known”"},
    )
    address = _textarea("Address", rows=3, max_length=300)
    postcode = _text("Postcode", max_length=10, width=10, autocomplete="off")
    uprn = _text(
        "UPRN",
        max_length=12,
        width=20,
        help_text="The property's Unique Property Reference Number, if known.",
        inputmode="numeric",
    )
    # type="tel" (the GOV.UK telephone pattern); the renderer only styles text inputs, so
    # the input class is given here.
    phone = forms.CharField(
        label="Phone number",
        required=False,
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "class": "govuk-input govuk-input--width-20",
                "autocomplete": "off",
            }
        ),
        error_messages={"max_length": "Phone number must be 30 characters or fewer"},
    )
    # Its format is checked by the service's own function, as the field is cleaned (as an
    # EmailField would): an address too long and badly formed shows both messages.
    email = forms.CharField(
        label="Email address",
        required=False,
        max_length=254,
        validators=[services.check_email],
        widget=forms.EmailInput(attrs={"spellcheck": "false"}),
    )
    ni_number = _text(
        "National Insurance number",
        max_length=13,
        width=10,
        help_text="For example, QQ 12 34 56 C",
        spellcheck="false",
    )
    language = _text("Preferred language", max_length=50, width=20)
    ethnicity = forms.ChoiceField(
        label="Ethnic group",
        choices=Person.Ethnicity.choices,
        initial=Person.Ethnicity.NOT_STATED,
        error_messages={"required": "Choose an ethnic group, or “Not stated”"},
    )
    disability = _textarea("Disability", help_text="Any disability they have told you about.")
    vulnerability = _textarea("Vulnerability")
    support_needs = _textarea("Support needs")

    def clean(self):
        cleaned = super().clean()
        # Run the service's rules now, so every message shows on the first submit.
        values = {name: cleaned[name] for name in services.PERSON_FIELDS if name in cleaned}
        for name in services.PERSON_FIELDS:
            # A field that failed its own checks already has its message; a stand-in lets
            # the other rules run.
            values.setdefault(name, "-" if name in ("given_name", "family_name") else None)
        try:
            normalised = services.clean_person_fields(values)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, messages[0])
        else:
            cleaned.update({k: v for k, v in normalised.items() if k in cleaned})
        return cleaned

    def person_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in services.PERSON_FIELDS}


class PersonEditForm(PersonDetailsForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class FindPersonForm(_DependantMixin, forms.Form):
    """Step 1 of adding a person: who they are, enough to look for them."""

    role = _role_field()
    dependant_of = _dependant_field()
    given_name = _text(
        "First name",
        required=True,
        max_length=100,
        required_message=services.ENTER_GIVEN_NAME,
        autocomplete="off",
    )
    family_name = _text(
        "Last name",
        required=True,
        max_length=100,
        required_message=services.ENTER_FAMILY_NAME,
        autocomplete="off",
    )
    date_of_birth = DateField("Date of birth", help_text=f"If known. {DATE_HINT}")
    postcode = _text("Postcode", max_length=10, width=10, help_text="If known.")

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_dependants(incident)

    def clean_postcode(self):
        try:
            return services.normalise_postcode(self.cleaned_data["postcode"])
        except ValidationError as error:
            raise ValidationError(error.messages[0]) from None

    def clean(self):
        cleaned = super().clean()
        self._check_dependant(cleaned)
        return cleaned


class InvolvementDetailsForm(forms.Form):
    risk_notes = _textarea(
        "Risk from protected characteristics and circumstances",
        help_text="For this incident: what makes them more at risk.",
    )
    support_needs = _textarea("Support needs for this incident")


class AnonymisedInvolvementForm(_DependantMixin, forms.Form):
    """An anonymised incident (C5) records a label and a role, never a person."""

    anonymised_label = _text(
        "Label",
        required=True,
        max_length=100,
        width=20,
        help_text="For example, “Victim A” or “Witness 2”. Do not use their name.",
        required_message=services.ENTER_LABEL,
    )
    role = _role_field()
    dependant_of = _dependant_field()
    risk_notes = InvolvementDetailsForm.base_fields["risk_notes"]
    support_needs = InvolvementDetailsForm.base_fields["support_needs"]

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_dependants(incident)

    def clean(self):
        cleaned = super().clean()
        self._check_dependant(cleaned)
        return cleaned


class StatementForm(forms.Form):
    taken = forms.TypedChoiceField(
        label="Has a statement been taken?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether a statement has been taken"},
    )
    taken_on = DateField("Date taken")
    taken_by = forms.ModelChoiceField(
        label="Taken by",
        help_text="Leave as “Me” if you took it.",
        queryset=None,
        required=False,
        empty_label="Me",
        error_messages={"invalid_choice": "Choose someone from the list"},
    )
    document = forms.ModelChoiceField(
        label="Statement document",
        help_text="Upload it to the incident's documents first.",
        queryset=None,
        required=False,
        empty_label="No document",
        error_messages={"invalid_choice": "Choose a document attached to this incident"},
    )
    notes = _textarea("Notes")

    def __init__(self, *args, incident, user, **kwargs):
        super().__init__(*args, **kwargs)
        from access.models import User

        self.fields["taken_by"].queryset = User.objects.filter(
            organisation_id=user.organisation_id, is_active=True
        ).order_by("first_name", "last_name", "id")
        self.fields["document"].queryset = incident.documents.order_by("uploaded_at", "id")


class InterventionForm(forms.Form):
    type = forms.ModelChoiceField(
        label="Type of intervention",
        queryset=InterventionType.objects.filter(active=True),
        empty_label="Choose a type",
        error_messages={
            "required": "Choose the type of intervention",
            "invalid_choice": "Choose a type from the list",
        },
    )
    issuing_organisation = forms.ModelChoiceField(
        label="Issued by",
        queryset=Organisation.objects.filter(is_active=True),
        empty_label="Choose an organisation",
        error_messages={
            "required": "Choose the organisation issuing it",
            "invalid_choice": "Choose an organisation from the list",
        },
    )
    status = forms.ChoiceField(
        label="Status",
        choices=Intervention.Status.choices,
        initial=Intervention.Status.PROPOSED,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the status"},
    )
    issued_on = DateField("Date issued")
    review_on = DateField("Review date")
    expires_on = DateField("Expiry date")
    breaches = _textarea("Breaches", help_text="When and how it was breached, if it was.")

    def __init__(self, *args, user, instance: Intervention | None = None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "type": instance.type_id,
                    "issuing_organisation": instance.issuing_organisation_id,
                    "status": instance.status,
                    "issued_on": instance.issued_on,
                    "review_on": instance.review_on,
                    "expires_on": instance.expires_on,
                    "breaches": instance.breaches,
                },
            )
        else:
            kwargs.setdefault("initial", {"issuing_organisation": user.organisation_id})
        super().__init__(*args, **kwargs)
        # The organisations of the user's partnership (T6), and the one recorded before.
        partners = policy.partnership_organisations(user.organisation).filter(is_active=True)
        if instance is not None:
            partners = partners | Organisation.objects.filter(pk=instance.issuing_organisation_id)
        self.fields["issuing_organisation"].queryset = partners.order_by("name")
        if instance is not None:
            # A type withdrawn since it was recorded stays valid for this intervention.
            self.fields["type"].queryset = InterventionType.objects.filter(
                active=True
            ) | InterventionType.objects.filter(pk=instance.type_id)


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(
        label="Consent to",
        choices=Consent.Scope.choices,
        widget=forms.RadioSelect,
        error_messages={"required": services.CHOOSE_CONSENT_SCOPE},
    )
    status = forms.ChoiceField(
        label="Decision",
        choices=Consent.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": services.CHOOSE_CONSENT_STATUS},
    )
    decided_on = DateField(
        "Date of the decision", required=True, required_message=services.ENTER_DECISION_DATE
    )
    notes = _textarea("Notes", help_text="For example, how they told you.")


class PersonSearchForm(forms.Form):
    given_name = _text("First name", max_length=100, autocomplete="off")
    family_name = _text(
        "Last name",
        required=True,
        max_length=100,
        required_message=services.ENTER_FAMILY_NAME,
        autocomplete="off",
    )
    date_of_birth = DateField("Date of birth", help_text=f"If known. {DATE_HINT}")
    postcode = _text("Postcode", max_length=10, width=10, help_text="If known.")

    def clean_postcode(self):
        try:
            return services.normalise_postcode(self.cleaned_data["postcode"])
        except ValidationError as error:
            raise ValidationError(error.messages[0]) from None


class MergePickForm(forms.Form):
    keep = forms.IntegerField(
        label="Person number of the record to keep",
        min_value=1,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric"}),
        error_messages={
            "required": "Enter the person number of the record to keep",
            "invalid": "Person number must be a number, like 1234",
            "min_value": "Person number must be a number, like 1234",
        },
    )
    duplicate = forms.IntegerField(
        label="Person number of the duplicate",
        help_text="Its incidents and consents move to the record you keep.",
        min_value=1,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric"}),
        error_messages={
            "required": "Enter the person number of the duplicate",
            "invalid": "Person number must be a number, like 1234",
            "min_value": "Person number must be a number, like 1234",
        },
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("keep") and cleaned.get("keep") == cleaned.get("duplicate"):
            self.add_error("duplicate", "Choose two different people")
        return cleaned


class MergeConfirmForm(MergePickForm):
    reason = forms.CharField(
        label="Why are these the same person?",
        help_text="For example, the same date of birth and address, confirmed by phone.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter why these records are the same person",
            "max_length": "Reason must be 2,000 characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].widget = forms.HiddenInput()
        self.fields["duplicate"].widget = forms.HiddenInput()


class UndoMergeForm(forms.Form):
    reason = forms.CharField(
        label="Why is the merge being undone?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter why the merge is being undone",
            "max_length": "Reason must be 2,000 characters or fewer",
        },
    )
