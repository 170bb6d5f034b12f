"""The example partnership of the Leicestershire Sentinel information-sharing agreement
(docs/access-model.md has its table): areas, organisations, jurisdictions.

Used by the demo data command and by the access tests, so that the tests check the very
partnership a newcomer sees in the demo.
"""

from dataclasses import dataclass

from django.db import transaction
from simple_history.utils import get_history_manager_for_model

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


def bulk_history_create(model, objects) -> None:
    get_history_manager_for_model(model).bulk_history_create(objects)


@transaction.atomic
def build_partnership() -> Partnership:
    """Create the example partnership (the area tree, twelve organisations, jurisdictions)."""

    def node(name: str, kind: str, children=()) -> dict:
        return {"data": {"name": name, "kind": kind}, "children": list(children)}

    # One bulk load (a few queries) rather than a query or two per area.
    tree = node(
        FORCE_AREA,
        Area.Kind.FORCE,
        [
            node(COUNTY, Area.Kind.COUNTY, [node(d, Area.Kind.DISTRICT) for d in DISTRICTS]),
            node(CITY, Area.Kind.CITY),
            node(RUTLAND, Area.Kind.UNITARY),
        ],
    )
    Area.objects.load_bulk([tree], bulk_create=True)
    # Bulk creation skips simple-history's signal: write the "created" rows ourselves.
    bulk_history_create(Area, list(Area.objects.all()))
    # Read the finished tree back, so every node's child count is current for is_leaf().
    areas = {area.name: area for area in Area.objects.all()}

    created = Organisation.objects.bulk_create(
        Organisation(name=name, kind=kind) for name, (kind, _) in ORGANISATIONS.items()
    )
    bulk_history_create(Organisation, created)
    organisations = {organisation.name: organisation for organisation in created}
    Jurisdiction.objects.bulk_create(
        Jurisdiction(organisation=organisations[name], area=areas[area])
        for name, (_, covered) in ORGANISATIONS.items()
        for area in covered
    )
    return Partnership(areas=areas, organisations=organisations)
