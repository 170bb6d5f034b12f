"""Invented values the generator picks from in SQL (bench/generate.py): names, streets,
postcodes and case notes drawn from Faker - never a real person - and `pick`, the SQL that
chooses one at random."""

from __future__ import annotations


def pools(seed: int) -> dict:
    """Invented names, streets, postcodes and case notes for the SQL to pick from."""
    from faker import Faker

    from incidents.management.commands import load_demo_data as demo

    faker = Faker("en_GB")
    faker.seed_instance(seed)
    given = sorted({faker.first_name() for _ in range(3000)})
    family = sorted({faker.last_name() for _ in range(6000)})
    streets = sorted({faker.street_address() for _ in range(8000)})
    postcodes = sorted({f"LE{n} {d}{a}{b}" for n, d, a, b in _postcode_parts(faker)})
    descriptions = [
        f"Reports of {behaviour} {when}. {effect}"
        for behaviour in demo.BEHAVIOURS
        for when in demo.WHEN
        for effect in demo.EFFECTS
    ]
    notes = [f"{effect} {contact}" for effect in demo.EFFECTS for contact in demo.CONTACTS]
    return {
        "given": given,
        "family": family,
        "streets": streets,
        "postcodes": postcodes,
        "descriptions": descriptions,
        "notes": notes + demo.CLOSINGS,
    }


def _postcode_parts(faker):
    for _ in range(4000):
        yield (
            faker.random_int(1, 19),
            faker.random_int(1, 9),
            faker.random_uppercase_letter(),
            faker.random_uppercase_letter(),
        )


def pick(pool: str) -> str:
    """SQL choosing one element of an array parameter at random."""
    return f"(%({pool})s::text[])[1 + floor(random() * cardinality(%({pool})s::text[]))::int]"
