"""The example partnership of seed 000 (ACCESS-MATRIX.md): areas, organisations, jurisdictions.

Used by the demo data command and by the access tests, so that the tests check the very
partnership a newcomer sees in the demo.
"""

from dataclasses import dataclass

from django.db import transaction

from .models import Area, Jurisdiction, Organisation

FORCE_AREA = "Leicestershire Police force area"
COUNTY = "Leicestershire"
CITY = "Leicester City"
RUTLAND = "Rutland"
DISTRICTS = [
    "Blaby",
    "Charnwood",
    "Harborough",
    "Hinckley and Bosworth",
    "Melton",
    "North West Leicestershire",
    "Oadby and Wigston",
]

Kind = Organisation.Kind

# organisation -> (kind, areas whose subtrees it covers)
ORGANISATIONS: dict[str, tuple[str, list[str]]] = {
    "Leicestershire Police": (Kind.POLICE, [FORCE_AREA]),
    "Leicestershire County Council": (Kind.COUNTY, [COUNTY]),
    "Leicester City Council": (Kind.UNITARY, [CITY]),
    "Rutland County Council": (Kind.UNITARY, [RUTLAND]),
    "Blaby District Council": (Kind.DISTRICT, ["Blaby"]),
    "Charnwood Borough Council": (Kind.DISTRICT, ["Charnwood"]),
    "Harborough District Council": (Kind.DISTRICT, ["Harborough"]),
    "Hinckley and Bosworth Borough Council": (Kind.DISTRICT, ["Hinckley and Bosworth"]),
    "Melton Borough Council": (Kind.DISTRICT, ["Melton"]),
    "North West Leicestershire District Council": (Kind.DISTRICT, ["North West Leicestershire"]),
    "Oadby and Wigston Borough Council": (Kind.DISTRICT, ["Oadby and Wigston"]),
    "Charnwood Neighbourhood Housing": (Kind.HOUSING, ["Charnwood"]),
}


@dataclass
class Partnership:
    areas: dict[str, Area]
    organisations: dict[str, Organisation]

    def leaf_areas(self) -> list[Area]:
        return [area for area in self.areas.values() if area.is_leaf()]


@transaction.atomic
def build_partnership() -> Partnership:
    """Create the example partnership (the area tree, twelve organisations, jurisdictions)."""

    def add(parent: Area | None, name: str, kind: str) -> Area:
        fields = {"name": name, "kind": kind}
        if parent is None:
            return Area.objects.add_root(fields)
        # Re-read the parent: treebeard counts children on the stored row.
        return Area.objects.add_child(Area.objects.get(pk=parent.pk), fields)

    force = add(None, FORCE_AREA, Area.Kind.FORCE)
    county = add(force, COUNTY, Area.Kind.COUNTY)
    for district in DISTRICTS:
        add(county, district, Area.Kind.DISTRICT)
    add(force, CITY, Area.Kind.CITY)
    add(force, RUTLAND, Area.Kind.UNITARY)
    # Read the finished tree back, so every node's child count is current for is_leaf().
    areas = {area.name: area for area in Area.objects.all()}

    organisations = {}
    for name, (kind, covered) in ORGANISATIONS.items():
        organisation = Organisation.objects.create(name=name, kind=kind)
        Jurisdiction.objects.bulk_create(
            Jurisdiction(organisation=organisation, area=areas[area]) for area in covered
        )
        organisations[name] = organisation
    return Partnership(areas=areas, organisations=organisations)
