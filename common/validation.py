"""Checks on values that more than one app records (a place's or a person's postcode)."""

import re

from django.core.exceptions import ValidationError

# The shape of a UK postcode (outward code, inward code), without checking it exists; GIR 0AA
# is the one postcode that breaks the pattern.
UK_POSTCODE = re.compile(r"GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")


def normalise_postcode(value: str) -> str:
    """' le19  2ab ' -> 'LE19 2AB'. Blank stays blank; a value not shaped like a UK postcode
    raises ValidationError."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if not compact:
        return ""
    if not UK_POSTCODE.fullmatch(compact):
        raise ValidationError("Enter a real postcode, like LE19 2AB.")
    return f"{compact[:-3]} {compact[-3:]}"
