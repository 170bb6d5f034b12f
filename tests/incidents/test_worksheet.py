"""The working sheet (SPEC W1): append-only entries, corrections, referrals that need consent
(P6), the pages that add them and the incident page's section."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from faker import Faker

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import Incident, WorkingSheetEntry
from incidents.services import log_complaint
from incidents.services.worksheet import add_entry, record_entry
from incidents.signals_worksheet import AppendOnlyError
from incidents.views.worksheet import detail_context
from people.models import Consent
from people.services import add_involvement, record_consent
from tests.support.posted import typed_date

fake = Faker("en_GB")
Kind = WorkingSheetEntry.Kind
ReferralTo = WorkingSheetEntry.ReferralTo


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


@pytest.fixture
def incident(officer, partnership):
    return log_complaint(
        by=officer, area=partnership.areas["Blaby"], description="Fireworks let off at night"
    )


def an_hour_ago():
    return timezone.now() - datetime.timedelta(hours=1)


def note(incident, by, text="Called the complainant back.", **kwargs):
    kwargs.setdefault("occurred_at", an_hour_ago())
    return add_entry(incident, by=by, kind=Kind.NOTE, text=text, **kwargs)


def victim(incident, by):
    return add_involvement(
        incident,
        by=by,
        role="victim",
        person_fields={"given_name": fake.first_name(), "family_name": fake.last_name()},
    )


def refer(incident, by, involvement, to=ReferralTo.VICTIM_SUPPORT):
    return add_entry(
        incident,
        by=by,
        kind=Kind.REFERRAL,
        text="Referred for support.",
        occurred_at=an_hour_ago(),
        referral_to=to,
        involvement=involvement,
    )


# --- The service ------------------------------------------------------------------------------


def test_an_entry_is_authored_dated_audited_and_in_history(officer, incident):
    when = an_hour_ago()
    entry = note(incident, officer, occurred_at=when)

    assert (entry.author, entry.occurred_at, entry.incident) == (officer, when, incident)
    assert entry.history.get().history_user == officer
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.ENTRY_ADDED)
    assert (event.actor, event.target_type, event.target_id) == (officer, "incident", incident.urn)
    assert event.outcome == AuditEvent.Outcome.SUCCESS
    assert event.details["entry"] == entry.pk
    # The audit log does not copy the entry's words.
    assert "Called the complainant" not in str(event.details)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"text": "  "}, "text", "Enter what happened or was decided."),
        ({"kind": "gossip"}, "kind", "Choose the kind of entry."),
        ({"occurred_at": None}, "occurred_at", "Enter when it happened."),
        (
            {"occurred_at": timezone.now() + datetime.timedelta(hours=2)},
            "occurred_at",
            "When it happened must be now or in the past.",
        ),
        ({"kind": Kind.CORRECTION}, "corrects", "Choose the entry this corrects."),
        ({"kind": Kind.REFERRAL}, "referral_to", "Choose who the referral is to."),
        ({"kind": Kind.REFERRAL}, "involvement", "Choose the person who is referred."),
        (
            {"referral_to": ReferralTo.OTHER},
            "referral_to",
            "Only a referral has someone it is referred to.",
        ),
    ],
)
def test_bad_entries_are_refused_with_field_messages(officer, incident, changes, field, message):
    values = {"kind": Kind.NOTE, "text": "Visited.", "occurred_at": an_hour_ago(), **changes}
    with pytest.raises(ValidationError) as refused:
        add_entry(incident, by=officer, **values)
    assert message in refused.value.message_dict[field]
    assert not WorkingSheetEntry.objects.exists()


def test_a_few_minutes_of_clock_skew_is_allowed(officer, incident):
    entry = note(incident, officer, occurred_at=timezone.now() + datetime.timedelta(minutes=2))
    assert entry.pk


def test_an_entry_cannot_predate_the_incident(officer, partnership):
    first = timezone.now() - datetime.timedelta(days=3)
    incident = log_complaint(
        by=officer,
        area=partnership.areas["Blaby"],
        description="Graffiti on the bus shelter",
        first_occurred_at=first,
    )
    with pytest.raises(ValidationError) as refused:
        note(incident, officer, occurred_at=first - datetime.timedelta(days=1))
    assert (
        "on or after the incident first happened" in refused.value.message_dict["occurred_at"][0]
    )
    assert note(incident, officer, occurred_at=first).pk


def test_only_someone_who_may_edit_adds_entries(make_user, incident):
    for outsider in (
        make_user("Rutland County Council", UserGroup.OPERATIONAL),  # cannot see it
        make_user("Blaby District Council", UserGroup.ANALYST),  # sees it, read-only
    ):
        with pytest.raises(PermissionDenied):
            note(incident, outsider)
    assert not WorkingSheetEntry.objects.exists()


# --- Append-only ------------------------------------------------------------------------------


def test_an_existing_entry_cannot_be_saved_again_or_deleted(officer, incident):
    entry = note(incident, officer, text="Original words")
    fetched = WorkingSheetEntry.objects.get(pk=entry.pk)
    attempts = [
        lambda: setattr(entry, "text", "Rewritten words") or entry.save(),
        lambda: setattr(fetched, "text", "Rewritten again") or fetched.save(),
        lambda: fetched.save(update_fields=["text"]),
        fetched.delete,
        lambda: WorkingSheetEntry.objects.filter(pk=entry.pk).delete(),
        lambda: incident.entries.all().delete(),
    ]
    for attempt in attempts:
        # Each refusal rolls back its own savepoint, as a request's transaction would.
        with pytest.raises(AppendOnlyError), transaction.atomic():
            attempt()
    assert WorkingSheetEntry.objects.get(pk=entry.pk).text == "Original words"
    assert entry.history.count() == 1


def test_deleting_the_incident_deletes_its_entries(officer, incident):
    """Retention deletes whole incidents (D2); the append-only guard lets that through."""
    note(incident, officer)
    note(incident, officer, text="Second note")
    Incident.objects.get(pk=incident.pk).delete()
    assert not WorkingSheetEntry.objects.exists()


def test_a_correction_is_a_new_entry_pointing_at_the_corrected_one(officer, incident):
    original = note(incident, officer, text="Visited number 12")
    correction = add_entry(
        incident,
        by=officer,
        kind=Kind.CORRECTION,
        text="It was number 21, not 12",
        occurred_at=original.occurred_at,
        corrects=original,
    )
    assert correction.corrects == original
    assert list(original.corrections.all()) == [correction]
    original.refresh_from_db()
    assert original.text == "Visited number 12"  # nothing overwritten
    assert WorkingSheetEntry.objects.count() == 2


def test_a_correction_must_correct_an_entry_of_the_same_incident(officer, incident, partnership):
    other = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Other case")
    elsewhere = note(other, officer)
    with pytest.raises(ValidationError) as refused:
        add_entry(
            incident,
            by=officer,
            kind=Kind.CORRECTION,
            text="Fix",
            occurred_at=an_hour_ago(),
            corrects=elsewhere,
        )
    assert refused.value.message_dict["corrects"] == [
        "The entry corrected must be an entry of this incident."
    ]
    with pytest.raises(ValidationError) as refused:
        note(incident, officer, corrects=note(incident, officer))
    assert "Only a correction" in refused.value.message_dict["corrects"][0]


# --- Referrals and consent (P6) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "scope"),
    [
        (ReferralTo.VICTIM_SUPPORT, Consent.Scope.VICTIM_SUPPORT),
        (ReferralTo.HATE_INCIDENT_MONITORING, Consent.Scope.HATE_INCIDENT_MONITORING),
    ],
)
def test_a_referral_that_needs_consent_is_refused_without_it_and_accepted_with_it(
    officer, incident, to, scope
):
    involvement = victim(incident, officer)
    with pytest.raises(ValidationError) as refused:
        refer(incident, officer, involvement, to)
    assert "consent has not been given" in refused.value.message_dict["referral_to"][0]

    # Consent for another scope is not enough; withheld consent is not consent.
    other = next(s for s in Consent.Scope.values if s != scope)
    for s, status in ((other, Consent.Status.GIVEN), (scope, Consent.Status.WITHHELD)):
        record_consent(
            involvement.person,
            incident,
            by=officer,
            scope=s,
            status=status,
            decided_on=timezone.localdate(),
        )
        with pytest.raises(ValidationError):
            refer(incident, officer, involvement, to)

    record_consent(
        involvement.person,
        incident,
        by=officer,
        scope=scope,
        status=Consent.Status.GIVEN,
        decided_on=timezone.localdate(),
    )
    entry = refer(incident, officer, involvement, to)
    assert (entry.referral_to, entry.involvement) == (to, involvement)


def test_withdrawn_consent_stops_referrals(officer, incident):
    involvement = victim(incident, officer)
    for status in (Consent.Status.GIVEN, Consent.Status.WITHDRAWN):
        record_consent(
            involvement.person,
            incident,
            by=officer,
            scope=Consent.Scope.VICTIM_SUPPORT,
            status=status,
            decided_on=timezone.localdate(),
        )
    with pytest.raises(ValidationError):
        refer(incident, officer, involvement)


def test_referrals_that_need_no_consent_are_recorded(officer, incident):
    involvement = victim(incident, officer)
    entry = refer(incident, officer, involvement, ReferralTo.LA_ASB_COORDINATOR)
    assert entry.referral_to == ReferralTo.LA_ASB_COORDINATOR


def test_an_anonymised_person_cannot_be_referred_to_victim_support(officer, partnership):
    incident = log_complaint(
        by=officer,
        area=partnership.areas["Blaby"],
        description="Complainant objects to sharing",
        is_anonymised=True,
        anonymisation_reason="Fears reprisals",
    )
    involvement = add_involvement(incident, by=officer, role="victim", anonymised_label="Victim A")
    with pytest.raises(ValidationError) as refused:
        refer(incident, officer, involvement)
    assert "consent has not been given" in refused.value.message_dict["referral_to"][0]
    assert refer(incident, officer, involvement, ReferralTo.OTHER).pk


def test_the_person_referred_must_be_involved_in_this_incident(officer, incident, partnership):
    other = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Other case")
    with pytest.raises(ValidationError) as refused:
        refer(incident, officer, victim(other, officer), ReferralTo.OTHER)
    assert refused.value.message_dict["involvement"] == [
        "The person referred must be involved in this incident."
    ]


def test_record_entry_is_the_low_level_write_without_the_policy(make_user, incident):
    """For the complaint-logging flow: callers check access."""
    clerk = make_user("Blaby District Council", UserGroup.BASIC)
    entry = record_entry(
        incident, by=clerk, kind=Kind.NOTE, text="Skeleton note", occurred_at=an_hour_ago()
    )
    assert entry.author == clerk


# --- Pages ------------------------------------------------------------------------------------


def test_adding_an_entry_through_the_page(client, officer, incident):
    client.force_login(officer)
    url = reverse("entry-add", args=[incident.urn])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["protective_marking"] == incident.marking

    response = client.post(
        url, {"kind": Kind.VISIT, "text": "Visited the site.", "occurred_at": "2026-01-02T10:30"}
    )

    entry = WorkingSheetEntry.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("incident-detail", args=[incident.urn]) + "#working-sheet"
    assert (entry.kind, entry.author, entry.text) == (Kind.VISIT, officer, "Visited the site.")
    assert timezone.localtime(entry.occurred_at).strftime("%Y-%m-%d %H:%M") == "2026-01-02 10:30"


def test_bad_input_on_the_page_keeps_what_was_typed(client, officer, incident):
    client.force_login(officer)
    typed = "Spoke to the housing officer about the noise."
    future = typed_date("occurred_at", timezone.localtime() + datetime.timedelta(days=2))

    response = client.post(
        reverse("entry-add", args=[incident.urn]),
        {"kind": Kind.NOTE, "text": typed, **future},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "When it happened must be now or in the past." in page
    assert 'href="#id_occurred_at_day"' in page  # the summary links to the first box
    assert "govuk-input--error" in page
    assert typed in page
    for name, value in future.items():
        assert f'name="{name}" value="{value}"' in page
    assert not WorkingSheetEntry.objects.exists()


def test_a_referral_without_consent_is_refused_on_the_page(client, officer, incident):
    involvement = victim(incident, officer)
    client.force_login(officer)
    response = client.post(
        reverse("entry-add", args=[incident.urn]),
        {
            "kind": Kind.REFERRAL,
            "text": "Referred to Victim Support.",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "referral_to": ReferralTo.VICTIM_SUPPORT,
            "involvement": involvement.pk,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "consent has not been given" in page
    assert not WorkingSheetEntry.objects.exists()


def test_correcting_an_entry_through_the_page(client, officer, incident):
    original = note(incident, officer, text="Spoke to the neighbour at number 4")
    client.force_login(officer)
    url = reverse("entry-correct", args=[incident.urn, original.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Spoke to the neighbour at number 4" in page.content.decode()

    response = client.post(
        url,
        {
            "text": "It was number 6",
            "occurred_at": timezone.localtime(original.occurred_at).strftime("%Y-%m-%dT%H:%M"),
        },
    )

    assert response.status_code == 302
    correction = WorkingSheetEntry.objects.get(kind=Kind.CORRECTION)
    assert (correction.corrects, correction.author) == (original, officer)
    # The time was typed to the minute but not changed: the correction keeps the original's
    # time exactly, and is listed after the entry it corrects.
    assert correction.occurred_at == original.occurred_at
    context, _, _ = _section(incident, officer)
    assert [e.pk for e in context["worksheet_entries"]] == [original.pk, correction.pk]


def test_an_entry_of_another_incident_cannot_be_corrected_through_this_one(
    client, officer, incident, partnership
):
    other = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Other case")
    elsewhere = note(other, officer)
    client.force_login(officer)
    url = reverse("entry-correct", args=[incident.urn, elsewhere.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"text": "x", "occurred_at": "2026-01-01T10:00"}).status_code == 404


# --- The incident page's section --------------------------------------------------------------


def _section(incident, user):
    from django.template.loader import render_to_string

    from access import policy

    annotated = policy.with_allowed_actions(Incident.objects.filter(pk=incident.pk), user).get()
    with CaptureQueriesContext(connection) as queries:
        context = detail_context(annotated, user)
        html = render_to_string(
            "incidents/sections/worksheet.html", {"incident": annotated, **context}
        )
    return context, html, len(queries.captured_queries)


def test_the_section_shows_corrections_linked_to_what_they_correct(officer, incident):
    original = note(incident, officer, text="Wrong address recorded")
    correction = add_entry(
        incident,
        by=officer,
        kind=Kind.CORRECTION,
        text="The right address",
        occurred_at=an_hour_ago(),
        corrects=original,
    )
    context, html, _ = _section(incident, officer)

    assert [e.pk for e in context["worksheet_entries"]] == [original.pk, correction.pk]
    assert context["worksheet_can_add"] is True
    assert "Corrected" in html
    assert f'href="#entry-{original.pk}"' in html
    assert f'href="#entry-{correction.pk}"' in html
    assert reverse("entry-add", args=[incident.urn]) in html


def test_the_section_offers_no_add_link_to_read_only_users(make_user, officer, incident):
    note(incident, officer)
    analyst = make_user("Blaby District Council", UserGroup.ANALYST)
    context, html, _ = _section(incident, analyst)
    assert context["worksheet_can_add"] is False
    assert reverse("entry-add", args=[incident.urn]) not in html
    assert "/correct/" not in html


def test_the_section_runs_a_fixed_number_of_queries(officer, incident):
    involvement = victim(incident, officer)
    note(incident, officer)
    _, _, one = _section(incident, officer)
    for i in range(9):
        entry = note(incident, officer, text=f"Note {i}")
        add_entry(
            incident,
            by=officer,
            kind=Kind.CORRECTION,
            text=f"Correction {i}",
            occurred_at=an_hour_ago(),
            corrects=entry,
        )
    refer(incident, officer, involvement, ReferralTo.OTHER)
    context, _, many = _section(incident, officer)
    assert len(context["worksheet_entries"]) == 20
    assert one == many <= 2
