"""`make run`'s demo data: it loads through the services, once, and is usable."""

from io import StringIO

from django.core.management import call_command

from access.models import Organisation, User
from incidents.models import Incident
from people.models import Involvement
from retention.models import ErasedIncident, IncidentRetention


def test_demo_data_loads_once(db):
    out = StringIO()
    call_command("load_demo_data", incidents=20, stdout=out)
    call_command("load_demo_data", incidents=20, stdout=out)

    assert Organisation.objects.count() == 12
    # Old closed cases fell due: the sweep erased the automatic ones and queued the rest.
    erased = ErasedIncident.objects.count()
    assert erased >= 1
    assert Incident.objects.count() + erased == 20
    assert IncidentRetention.objects.filter(review="queued").exists()
    assert Involvement.objects.filter(incident__in=Incident.objects.all()).count() >= 20
    officer = User.objects.get(username="blaby.operational")
    assert officer.check_password("demo-only-password")
    assert "already loaded" in out.getvalue()
    # Every incident was logged by someone who works in its area, so its lead sees it.
    for incident in Incident.objects.select_related("lead_officer"):
        assert Incident.objects.for_user(incident.lead_officer).filter(pk=incident.pk).exists()
