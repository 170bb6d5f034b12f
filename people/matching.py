"""Likely matches for a person being added, so that users link instead of duplicating (P2).

Only people the user may already see are ever offered (`policy.visible_people`): offering
someone known only to another partner's out-of-scope incidents would disclose that the
partner holds a record about them (V5). Merged records are never offered.

Scoring (0-1), the same on every database:

    0.55 x name similarity   (family name weighs 0.6, given name 0.4; the family name
                              alone when no given name is typed)
  + 0.30 if the dates of birth are the same
  + 0.15 if the postcodes are the same
  - 0.50 if both dates of birth are known and differ

A match is offered at MIN_SCORE or above, and only when the names are at least a little
alike (MIN_NAME). Names are compared in their normal form (people/names.py: no accents,
apostrophes or hyphens, case folded), both the stored ones (the `*_normalised` columns) and
the ones typed, so "Maire Ni Bhraonain" is the same name as "Máire Ní Bhraonáin" and
"ONeill" as "O'Neill". Name similarity comes from PostgreSQL's pg_trgm
(`TrigramSimilarity`), which also finds candidates whose names differ at the first letter;
on SQLite (development) it falls back to difflib over a candidate set narrowed in SQL (same
date of birth, same postcode, or a family name with the same first letter, a range the
`person_name_normalised` index serves).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q

from access import policy
from common.validation import normalise_postcode

from .models import Person
from .names import normalise_name

MIN_SCORE = 0.45
MIN_NAME = 0.3
# The weights of the score (module docstring).
NAME_WEIGHT, FAMILY_WEIGHT, GIVEN_WEIGHT = 0.55, 0.6, 0.4
# How many candidates the database hands over for scoring.
CANDIDATES = 200
# On its name alone (no date of birth or postcode in common) a person reaches MIN_SCORE only
# when NAME_WEIGHT x name >= MIN_SCORE (less half a hundredth: scores are rounded), so
# only names at least this alike can be a match; with both names typed, each name must be
# at least alike enough for the other at its best (1.0) to make up the rest. The database
# hands over only such names (pg_trgm's `%` at these thresholds, served by the GIN trigram
# indexes), instead of every vaguely similar one: with a million people, a common surname
# has thousands of bearers (bench/README.md).
NAME_ONLY = (MIN_SCORE - 0.005) / NAME_WEIGHT
FAMILY_ONLY_WITH_GIVEN = (NAME_ONLY - GIVEN_WEIGHT) / FAMILY_WEIGHT
GIVEN_ONLY_WITH_FAMILY = (NAME_ONLY - FAMILY_WEIGHT) / GIVEN_WEIGHT


@dataclass
class Match:
    person: Person
    score: float
    reasons: list[str] = field(default_factory=list)


def use_trigram() -> bool:
    """pg_trgm on PostgreSQL; the difflib fallback elsewhere."""
    return connection.vendor == "postgresql"


def _ratio(a: str, b: str) -> float:
    """difflib's similarity of two names in their normal form."""
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b).ratio()


def postgres_candidates(people, given_name, family_name, date_of_birth, postcode):
    """The candidates' query on PostgreSQL, best first, and the trigram threshold to run it
    with. The names are in their normal form; `%` (trigram_similar) on the normalised
    columns is what their GIN trigram indexes (people/0005) serve."""
    from django.contrib.postgres.search import TrigramSimilarity

    people = people.annotate(
        family_similarity=TrigramSimilarity("family_name_normalised", family_name),
        given_similarity=TrigramSimilarity("given_name_normalised", given_name or family_name),
    )
    if given_name:
        near = Q(
            family_name_normalised__trigram_similar=family_name,
            given_name_normalised__trigram_similar=given_name,
        )
        threshold = min(FAMILY_ONLY_WITH_GIVEN, GIVEN_ONLY_WITH_FAMILY)
    else:
        near = Q(family_name_normalised__trigram_similar=family_name)
        threshold = NAME_ONLY
    if date_of_birth:
        near |= Q(date_of_birth=date_of_birth)
    if postcode:
        near |= Q(postcode=postcode)
    people = people.filter(near).order_by(
        (F("family_similarity") * 0.6 + F("given_similarity") * 0.4).desc(), "id"
    )
    return people, threshold


def _candidates_postgres(people, given_name, family_name, date_of_birth, postcode):
    people, threshold = postgres_candidates(
        people, given_name, family_name, date_of_birth, postcode
    )
    # The `%` threshold (one for both names) is set for this transaction only.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
            [f"{threshold:.4f}"],
        )
        return [
            (person, person.family_similarity, person.given_similarity if given_name else 0.0)
            for person in people[:CANDIDATES]
        ]


def same_first_letter(family_name: str) -> Q:
    """A normalised family name beginning with the same character as `family_name` (itself
    normalised): a range, which a btree index (person_name_normalised) serves on every
    database, where LIKE would not be."""
    first = family_name[:1]
    return Q(family_name_normalised__gte=first, family_name_normalised__lt=chr(ord(first) + 1))


def _candidates_fallback(people, given_name, family_name, date_of_birth, postcode):
    near = same_first_letter(family_name)
    if date_of_birth:
        near |= Q(date_of_birth=date_of_birth)
    if postcode:
        near |= Q(postcode=postcode)
    return [
        (
            person,
            _ratio(person.family_name_normalised, family_name),
            _ratio(person.given_name_normalised, given_name),
        )
        for person in people.filter(near).order_by("id")[:CANDIDATES]
    ]


def _name_reason(same_name: bool, name: float, person: Person, given_name: str) -> str:
    if same_name:
        return "Same name" if given_name else "Same last name"
    if name >= 0.5:
        return "Name similar"
    if given_name and person.given_name_normalised == given_name:
        return "Same first name"
    return "Name partly similar"


def find_matches(
    user,
    *,
    given_name: str,
    family_name: str,
    date_of_birth: datetime.date | None = None,
    postcode: str = "",
    limit: int = 5,
) -> list[Match]:
    """People the user can see who are likely to be this person, best first. The names are
    compared in their normal form (people/names.py)."""
    family_name = normalise_name(family_name)
    given_name = normalise_name(given_name)
    if not family_name:
        return []
    try:
        postcode = normalise_postcode(postcode)
    except ValidationError:  # a malformed postcode simply matches nothing
        postcode = ""
    people = policy.visible_people(user).filter(merged_into__isnull=True)
    if use_trigram():
        candidates = _candidates_postgres(people, given_name, family_name, date_of_birth, postcode)
    else:
        candidates = _candidates_fallback(people, given_name, family_name, date_of_birth, postcode)

    matches = []
    for person, family_similarity, given_similarity in candidates:
        if given_name:
            name = FAMILY_WEIGHT * family_similarity + GIVEN_WEIGHT * given_similarity
        else:  # a search by last name alone
            name = family_similarity
        if name < MIN_NAME:
            continue
        same_name = person.family_name_normalised == family_name and (
            not given_name or person.given_name_normalised == given_name
        )
        reasons = [_name_reason(same_name, name, person, given_name)]
        score = NAME_WEIGHT * (1.0 if same_name else name)
        if date_of_birth and person.date_of_birth:
            if person.date_of_birth == date_of_birth:
                score += 0.30
                reasons.append("Same date of birth")
            else:
                score -= 0.50
        if postcode and person.postcode == postcode:
            score += 0.15
            reasons.append("Same postcode")
        score = round(max(0.0, min(1.0, score)), 2)
        if score >= MIN_SCORE:
            matches.append(Match(person=person, score=score, reasons=reasons))
    matches.sort(key=lambda m: (-m.score, m.person.family_name, m.person.given_name, m.person.pk))
    return matches[:limit]
