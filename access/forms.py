import re

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError

from .models import User
from .signin import DISABLED, lockout_message, record_refused_sign_in, refusal


class SignInForm(AuthenticationForm):
    """Username and password. Says why a sign-in is refused only to someone who gave the
    account's right password (a suspended partner, a disabled account); a locked account
    is named as locked whatever was typed (django-axes locks unknown names alike, so this
    tells a guesser nothing)."""

    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": DISABLED,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["username"].widget.attrs["spellcheck"] = "false"

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                if getattr(self.request, "axes_locked_out", False):
                    raise ValidationError(lockout_message(), code="locked_out")
                refused = self._refused(username, password)
                if refused is not None:
                    raise ValidationError(refused, code="refused")
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def _refused(self, username: str, password: str) -> str | None:
        """The reason a right password was refused, or None. Either way one password hash
        is computed, so the time taken does not tell whether the account exists."""
        user = User._default_manager.select_related("organisation").filter(username=username)
        user = user.first()
        if user is None:
            make_password(password)
            return None
        if not user.check_password(password):
            return None
        refused = refusal(user)
        if refused is None:
            return None
        reason, message = refused
        record_refused_sign_in(user, reason, request=self.request)
        return message


class TwoFactorCodeForm(forms.Form):
    otp_token = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6-digit code your app shows for this service now.",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["otp_token"].widget.attrs.update(
            {
                "class": "govuk-input govuk-input--width-5",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        )

    def clean_otp_token(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["otp_token"])
        if not re.fullmatch(r"\d{6}", code):
            raise ValidationError("Enter the 6-digit code from your authenticator app")
        return code


class PasswordChangeForm(forms.Form):
    """The user's own new password, checked by the deployment's validators (at least 12
    characters, not a common password, not like their name or username)."""

    current_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your current password"},
    )
    new_password = forms.CharField(
        label="New password",
        strip=False,
        max_length=128,
        help_text="At least 12 characters. A few unrelated words make a strong password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={
            "required": "Enter a new password",
            "max_length": "Your new password must be 128 characters or fewer",
        },
    )
    confirm_password = forms.CharField(
        label="Confirm new password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter your new password again"},
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise ValidationError("Your current password is not right")
        return password

    def clean_new_password(self) -> str:
        password = self.cleaned_data["new_password"]
        password_validation.validate_password(password, self.user)
        return password

    def clean(self):
        current = self.cleaned_data.get("current_password")
        new = self.cleaned_data.get("new_password")
        confirm = self.cleaned_data.get("confirm_password")
        if new and current and new == current:
            self.add_error("new_password", "Your new password must differ from your current one")
        elif new and confirm is not None and new != confirm:
            self.add_error("confirm_password", "The passwords you entered do not match")
        return self.cleaned_data
