"""A password validator Django lacks: spaces do not count towards the length.

Passphrases of several words are welcome ("heather kettle lantern orbit"), but twenty spaces,
or a short word padded with spaces, are not a password."""

from django.core.exceptions import ValidationError


class VisibleCharactersValidator:
    def __init__(self, min_length: int = 12):
        self.min_length = min_length

    def validate(self, password: str, user=None) -> None:
        visible = sum(1 for character in password if not character.isspace())
        if visible < self.min_length:
            raise ValidationError(
                f"Your password must contain at least {self.min_length} characters that are "
                "not spaces.",
                code="password_too_blank",
            )

    def get_help_text(self) -> str:
        return f"At least {self.min_length} of its characters must not be spaces."
