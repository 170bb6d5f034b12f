"""Forms for user administration and partner suspension. The rules live in services.py;
the forms repeat the cheap ones so that every problem on a page is shown at once."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils import timezone

from access import policy
from access.models import User, UserGroup
from common.forms import GovukDateTimeField

from . import services


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


def _training_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label="Training level",
        choices=User.TrainingLevel.choices,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="Administrators must have completed level 2 or 3.",
        error_messages={"required": "Choose the user's training level."},
    )


def _reason_field(label: str, required_message: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": required_message},
    )


class UserDetailsForm(forms.Form):
    """The details an administrator sets when creating or changing a user."""

    first_name = forms.CharField(
        label="First name",
        max_length=150,
        error_messages={"required": "Enter the user's first name."},
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=150,
        error_messages={"required": "Enter the user's last name."},
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the user's email address.",
            "invalid": "Enter an email address in the correct format, like name@example.org.",
        },
    )
    group = forms.ChoiceField(
        label="Group",
        choices=UserGroup.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the user's group."},
    )
    training_level = _training_field()
    analyst_can_add_and_amend = forms.BooleanField(
        label="Give this analyst add and amend rights",
        required=False,
        help_text="Analysts only (a dual role): they may then log and amend records.",
    )
    manages_all_organisations = forms.BooleanField(
        label="Deployment-wide administrator",
        required=False,
        help_text="Administrators only: manages the users of every organisation and can "
        "suspend partners.",
    )

    def __init__(self, *args, administrator: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.administrator = administrator
        if not administrator.manages_all_organisations:
            del self.fields["manages_all_organisations"]

    def clean(self):
        data = super().clean()
        if "group" in data and "training_level" in data:
            problems = services._check_roles(
                by=self.administrator,
                group=data["group"],
                training_level=data["training_level"],
                analyst_can_add_and_amend=data.get("analyst_can_add_and_amend", False),
                manages_all_organisations=data.get("manages_all_organisations", False),
            )
            for field, message in problems.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, message)
        return data


class CreateUserForm(UserDetailsForm):
    field_order = [
        "username",
        "first_name",
        "last_name",
        "email",
        "organisation",
        "group",
        "training_level",
        "analyst_can_add_and_amend",
        "manages_all_organisations",
    ]

    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="What they type to sign in. Letters, digits and @ . + - _ only.",
        validators=[UnicodeUsernameValidator()],
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter a username."},
    )
    organisation = OrganisationChoiceField(
        label="Organisation",
        queryset=None,
        empty_label="Choose an organisation",
        error_messages={
            "required": "Choose the user's organisation.",
            "invalid_choice": "Choose an organisation whose users you manage.",
        },
    )

    def __init__(self, *args, administrator: User, **kwargs):
        super().__init__(*args, administrator=administrator, **kwargs)
        if administrator.manages_all_organisations:
            self.fields["organisation"].queryset = policy.manageable_organisations(administrator)
        else:
            # An organisation's administrator creates users of their own organisation only.
            del self.fields["organisation"]

    def chosen_organisation(self):
        if "organisation" in self.fields:
            return self.cleaned_data["organisation"]
        return self.administrator.organisation


class EditUserForm(UserDetailsForm):
    # The user's values when the form was opened (services.snapshot), to refuse a stale save.
    original = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, user: User, **kwargs):
        kwargs.setdefault(
            "initial",
            {name: getattr(user, name) for name in services.EDITABLE_FIELDS}
            | {"original": services.snapshot(user)},
        )
        super().__init__(*args, **kwargs)
        self.user = user

    def changes(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in services.EDITABLE_FIELDS
            if name in self.fields
        }


class EnableUserForm(forms.Form):
    code_of_connection_signed = forms.BooleanField(
        label="The user has signed the code of connection",
        error_messages={
            "required": "Confirm that the user has signed the code of connection. A user "
            "cannot be enabled without it."
        },
    )
    training_level = _training_field()

    def __init__(self, *args, user: User, **kwargs):
        kwargs.setdefault("initial", {"training_level": user.training_level})
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        level = data.get("training_level")
        if (
            level is not None
            and self.user.group == UserGroup.ADMINISTRATOR
            and level < User.TrainingLevel.LEVEL_2
        ):
            self.add_error("training_level", services.ADMINISTRATOR_TRAINING)
        return data


class DisableUserForm(forms.Form):
    reason = _reason_field(
        "Why is this user being disabled?",
        "Enter why the user is being disabled.",
        "For example, they have left the organisation. This is kept in the audit trail.",
    )


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        label="New password",
        strip=False,
        help_text="At least 12 characters. Not a common password, and not like the user's "
        "name or username.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter a new password."},
    )
    password_confirmation = forms.CharField(
        label="Type the new password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Type the new password again."},
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        password = data.get("password")
        if password:
            try:
                password_validation.validate_password(password, self.user)
            except ValidationError as error:
                self.add_error("password", error)
        confirmation = data.get("password_confirmation")
        if password and confirmation and password != confirmation:
            self.add_error("password_confirmation", "The two passwords do not match.")
        return data


class ResetTwoFactorForm(forms.Form):
    reason = _reason_field(
        "Why is two-factor authentication being reset?",
        "Enter why two-factor authentication is being reset.",
        "For example, the user has lost the phone with their authenticator app.",
    )


class SuspendPartnerForm(forms.Form):
    starts = GovukDateTimeField(
        label="Suspended from",
        name="The start",
        required=False,
        help_text="For example, 27 3 2026 and 09 00 (24-hour clock). Leave as it is to "
        "suspend the partner now.",
    )
    ends = GovukDateTimeField(
        label="Suspended until",
        name="The end",
        help_text="For example, 15 4 2026 and 17 00 (24-hour clock). At most 45 days after "
        "the start.",
        required_message="Enter when the suspension ends.",
    )
    reason = _reason_field(
        "Reason",
        "Enter why the partner is being suspended.",
        "The partner's users see this when they try to sign in.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"starts": timezone.localtime().replace(second=0)})
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if "ends" in data and "reason" in data:
            problems = services.suspension_problems(
                data.get("starts"), data["ends"], data["reason"], timezone.now()
            )
            for field, message in problems.items():
                if field not in self.errors:
                    self.add_error(field, message)
        return data


class LiftSuspensionForm(forms.Form):
    reason = _reason_field(
        "Why is the suspension being lifted?",
        "Enter why the suspension is being lifted.",
    )


STATUS_CHOICES = [
    ("", "All"),
    ("enabled", "Enabled"),
    ("disabled", "Disabled"),
    ("locked", "Locked"),
]


class UserFilterForm(forms.Form):
    """Filters for the users list: ids and codes only, never personal data (SPEC §17)."""

    organisation = OrganisationChoiceField(
        label="Organisation", queryset=None, required=False, empty_label="All"
    )
    group = forms.ChoiceField(
        label="Group", choices=[("", "All"), *UserGroup.choices], required=False
    )
    status = forms.ChoiceField(label="Status", choices=STATUS_CHOICES, required=False)

    def __init__(self, *args, administrator: User, **kwargs):
        super().__init__(*args, **kwargs)
        if administrator.manages_all_organisations:
            self.fields["organisation"].queryset = policy.manageable_organisations(administrator)
        else:
            del self.fields["organisation"]
