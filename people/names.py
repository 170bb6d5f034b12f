"""Names as they are compared (SPEC P2, S1): one normal form for a person's stored name and
for what a user types to find them, so that "Maire Ni Bhraonain" finds "Máire Ní
Bhraonáin", "ONeill" finds "O'Neill" and "smith jones" finds "Smith-Jones".

`Person.save` keeps the normal form of each name in its own column (`given_name_normalised`,
`family_name_normalised`), indexed for matching and search on every database
(people/matching.py). The names themselves are always shown as they were typed.
"""

from __future__ import annotations

import re
import unicodedata

# Apostrophes (straight, curly, the modifier letter and the backtick people type for one)
# join the parts of a name: O'Neill, D\u2019Arcy and ONeill are one name.
_APOSTROPHES = re.compile("['`\u2018\u2019\u02bc\u02bb\u2032\u00b4]")
# Letters that are not a base letter with an accent, so that decomposing leaves them whole.
_LETTERS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "\u0131": "i"}
)
# Anything else that is not a letter or a digit (hyphens, dots, commas) separates words.
_SEPARATORS = re.compile(r"[\W_]+")
# The longest normal form kept: a name is at most 100 characters, and a few characters
# decompose into several (ligatures).
NORMALISED_MAX = 200


def normalise_name(value: str | None) -> str:
    """The form a name is compared in: no accents, no apostrophes, hyphens and other
    punctuation as spaces, single spaces, case folded (ß is ss)."""
    text = _APOSTROPHES.sub("", value or "")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.casefold().translate(_LETTERS)
    return " ".join(_SEPARATORS.sub(" ", text).split())[:NORMALISED_MAX]
