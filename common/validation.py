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


def without_nul(value):
    """The value with every NUL character taken out of its strings (in lists and dicts too).

    A NUL byte is never part of what someone meant to type, and PostgreSQL cannot store it:
    what is kept as typed (drafts, autosaves) is kept without it, while the form that reads
    it refuses it on the field ("Null characters are not allowed.")."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list | tuple):
        return [without_nul(item) for item in value]
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    return value
