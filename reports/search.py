"""Text search over incidents and locations (SPEC S1, S2): the query builders, the same
for the search page, the ad-hoc reports and the API.

On PostgreSQL, incident text is matched through `Incident.search_vector`, a tsvector kept
by a database trigger on every write (migration incidents/0011) and indexed with GIN;
addresses and names are matched fuzzily through pg_trgm with GIN trigram indexes. On
SQLite (development only) the same functions fall back to case-insensitive containment.

Every function takes an already-scoped queryset: scope is the policy's business, never this
module's.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Q, QuerySet

from common.validation import normalise_postcode

# A URN (ASB-2026-000123) or something shaped like a reference: matched exactly-ish.
REFERENCE = re.compile(r"^[A-Za-z]{2,5}[-/ ]?\d[\w/-]*$")
# Trigram similarity for a location to count as "like" the words typed.
ADDRESS_SIMILARITY = 0.3


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def incidents_matching_text(incidents: QuerySet, text: str) -> QuerySet:
    """Incidents whose reference, crime reference, description or address match `text`.

    A reference-shaped term also matches URNs and crime references by prefix. On PostgreSQL
    the words are a web-search query (`"quoted phrase"`, `or`, `-not`) against the stored
    vector, ranked; elsewhere each word must appear in the description or address.
    """
    text = text.strip()
    if not text:
        return incidents
    # Case-sensitive comparisons on purpose: they are what the btree (and, for prefixes, the
    # varchar_pattern_ops) indexes on urn and crime_reference serve, so PostgreSQL can OR them
    # with the full-text GIN index instead of scanning the table. URNs are upper case; crime
    # references are matched as typed and in upper case.
    upper = text.upper()
    by_reference = Q(urn=upper) | Q(crime_reference=text) | Q(crime_reference=upper)
    if REFERENCE.match(text):
        by_reference |= (
            Q(urn__startswith=upper)
            | Q(crime_reference__startswith=text)
            | Q(crime_reference__startswith=upper)
        )
    if on_postgres():
        query = SearchQuery(text, search_type="websearch", config="english")
        return incidents.filter(Q(search_vector=query) | by_reference).annotate(
            text_rank=SearchRank(F("search_vector"), query)
        )
    words = Q()
    for word in text.split():
        words &= Q(description__icontains=word) | Q(address__icontains=word)
    return incidents.filter(words | by_reference)


def incidents_at_location(incidents: QuerySet, text: str) -> QuerySet:
    """Incidents at a location: a postcode (exact, or its outward part), a UPRN, or an
    address that is like the words typed (trigram similarity on PostgreSQL)."""
    text = text.strip()
    if not text:
        return incidents.none()
    condition = Q(uprn=text) if text.isdigit() else Q(pk__in=[])
    try:
        postcode = normalise_postcode(text)
    except ValidationError:
        postcode = ""
    if postcode:
        condition |= Q(postcode=postcode)
    compact = text.replace(" ", "").upper()
    if 2 <= len(compact) <= 4 and compact[0].isalpha():
        # An outward code on its own ("LE7"): every postcode in that district.
        condition |= Q(postcode__startswith=compact + " ")
    if on_postgres():
        condition |= Q(address__trigram_word_similar=text)
    else:
        words = Q()
        for word in text.split():
            words &= Q(address__icontains=word)
        condition |= words
    return incidents.filter(condition)
