"""The example partnership of the Leicestershire Sentinel information-sharing agreement
(docs/access-model.md has its table): areas, organisations, jurisdictions, loaded from its
partnership file, access/partnerships/leicestershire.yaml, by the partnership-file loader
(access/partnership_files.py) that `manage.py load_partnership` uses.

Used by the demo data command and by the access tests, so that the tests check the very
partnership a newcomer sees in the demo, loaded the way a real partnership is.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db import transaction
from simple_history.utils import get_history_manager_for_model

from . import partnership_files
from .models import Area, Organisation

EXAMPLE_FILE = Path(__file__).resolve().parent / "partnerships" / "leicestershire.yaml"

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


@dataclass
class Partnership:
    areas: dict[str, Area]
    organisations: dict[str, Organisation]

    def leaf_areas(self) -> list[Area]:
        return [area for area in self.areas.values() if area.is_leaf()]


def bulk_history_create(model, objects) -> None:
    get_history_manager_for_model(model).bulk_history_create(objects)


@cache
def _example() -> partnership_files.Document:
    # Read and checked once per process: the test suite builds the partnership per test.
    return partnership_files.parse(EXAMPLE_FILE.read_text(encoding="utf-8"))


@transaction.atomic
def build_partnership(*, audited: bool = False) -> Partnership:
    """Load the example partnership (the area tree, twelve organisations, jurisdictions)
    from its file. The demo data records it in the audit trail (`audited=True`); the test
    suite, which builds it for every test, does not."""
    loaded = partnership_files.apply(partnership_files.plan(_example()), audited=audited)
    return Partnership(areas=loaded.areas, organisations=loaded.organisations)
