"""How a user causes each audited event (SPEC A2, A3): one short function per event type.

Reads, searches, reports, exports, prints, downloads, denials and sign-ins go through the
test client against the real URLs. Writes whose page journey is long (logging a complaint,
sharing) call the application's services inside `serving()`, which makes a request current
exactly as `audit.middleware.AuditContextMiddleware` does in production, so the event
knows the client's address.

Every request comes from ADDRESS, so that the tests can tell the recorded address came from
the request and not from a default.
"""

from __future__ import annotations

import datetime
import io
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from faker import Faker

from access.models import UserGroup
from access.services import revoke_share, share_incident
from audit.models import AuditEvent
from audit.services import current_request
from incidents.models import Incident, PenCode, RiskQuestion
from incidents.services import log_complaint, update_incident
from incidents.services.closure import approve_closure, submit_for_closure
from incidents.services.documents import upload_document
from incidents.services.risk import question_field
from incidents.services.tasks import raise_task
from people.merging import merge_people
from people.models import InterventionType, Involvement, Person
from people.services import involve, record_intervention
from reports.queries import ReportDefinition
from reports.services import save_report
from reports.views.common import SESSION_KEY
from retention.services import set_legal_hold
from retention.sweep import run_sweep
from tests.access.factories import PASSWORD

Type = AuditEvent.Type
ADDRESS = "203.0.113.9"  # TEST-NET-3: an address no default would produce
PURPOSE = "Repeat victims review for the joint action group"
fake = Faker("en_GB")


@contextmanager
def serving(user=None):
    """Run a service as if inside a request from ADDRESS (what the middleware does)."""
    request = RequestFactory().post("/", REMOTE_ADDR=ADDRESS)
    request.user = user
    token = current_request.set(request)
    try:
        yield request
    finally:
        current_request.reset(token)


def person_fields(**overrides) -> dict:
    fields = {
        "given_name": fake.first_name(),
        "family_name": fake.last_name(),
        "date_of_birth": fake.date_of_birth(minimum_age=18, maximum_age=80),
        "postcode": "LE19 2AB",
    }
    return {**fields, **overrides}


@dataclass
class World:
    """Blaby District Council's users (scenario), their incident and the people in it, and
    a Rutland incident with its own person and document, out of Blaby's scope."""

    scenario: object
    client: Client
    incident: Incident
    elsewhere: Incident
    victim: Involvement
    perpetrator: Involvement
    remote: Person
    document: object
    foreign_document: object
    made: dict = field(default_factory=dict)

    def user(self, group):
        return self.scenario.user(group)

    @property
    def officer(self):
        return self.user(UserGroup.OPERATIONAL)

    @property
    def manager(self):
        return self.user(UserGroup.ENHANCED)

    @property
    def admin(self):
        return self.user(UserGroup.ADMINISTRATOR)

    @property
    def analyst(self):
        return self.user(UserGroup.ANALYST)

    def signed_in(self, user) -> Client:
        self.client.force_login(user)
        return self.client

    def reporting(self, user=None) -> Client:
        """Signed in with a purpose stated for the reporting module (V2)."""
        client = self.signed_in(user or self.analyst)
        session = client.session
        session[SESSION_KEY] = PURPOSE
        session.save()
        return client


def build_world(scenario) -> World:
    officer = scenario.user(UserGroup.OPERATIONAL)
    rutland = scenario.rutland_officer
    incident, elsewhere = scenario.incidents["in_area"], scenario.incidents["out_of_area"]
    victim = involve(incident, by=officer, role="victim", person_fields=person_fields())
    perpetrator = involve(incident, by=officer, role="perpetrator", person_fields=person_fields())
    remote = involve(elsewhere, by=rutland, role="victim", person_fields=person_fields()).person

    def attach(to, by):
        text = SimpleUploadedFile("notes.txt", b"Visited; noise continues.")
        return upload_document(to, by=by, uploaded_file=text, kind="other")

    return World(
        scenario=scenario,
        client=Client(REMOTE_ADDR=ADDRESS),
        incident=incident,
        elsewhere=elsewhere,
        victim=victim,
        perpetrator=perpetrator,
        remote=remote,
        document=attach(incident, officer),
        foreign_document=attach(elsewhere, rutland),
    )


# Where a signed-in user can be held before reaching any page (access/middleware.py).
HELD_AT = ("two-factor", "two-factor-setup", "password-change")


def _held_at(response) -> str | None:
    for name in HELD_AT:
        try:
            if response.url.startswith(reverse(name)):
                return name
        except NoReverseMatch:
            continue
    return None


def ok(response, status=200):
    """The response, if it has the status expected; otherwise fail with the page's errors."""
    if response.status_code == 302 and (step := _held_at(response)):
        raise AssertionError(f"held at the {step!r} step instead of reaching the page")
    if response.status_code != status:
        page = response.content.decode(errors="replace")
        errors = re.findall(r'class="govuk-error-message">(.*?)</p>', page, re.S)
        raise AssertionError(f"{response.status_code} != {status}: {errors or page[:500]}")
    return response


def _url(name, *args):
    return reverse(name, args=args)


def _days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def _typed(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


# --- Incidents -------------------------------------------------------------------------------


def log_a_complaint(w: World):
    with serving(w.officer):
        w.made["incident"] = log_complaint(
            by=w.officer, area=w.scenario.partnership.areas["Blaby"], description="Loud music"
        )


def open_the_incident(w: World):
    ok(w.signed_in(w.officer).get(_url("incident-detail", w.incident.urn)))


def _edit_form(incident, **overrides):
    return {
        "version": incident.version,
        "received_via": incident.received_via,
        "description": incident.description,
        "area": incident.area_id,
        "marking": incident.marking,
        "category": Incident.Category.PERSONAL,
        **overrides,
    }


def edit_the_incident(w: World):
    form = _edit_form(w.incident, description="Music every night until 3am.")
    ok(w.signed_in(w.officer).post(_url("incident-edit", w.incident.urn), form), 302)


def save_a_stale_edit(w: World):
    opened = _edit_form(w.incident, description="What the officer typed.")
    with serving(w.manager):
        update_incident(
            w.incident, by=w.manager, expected_version=w.incident.version, description="Changed"
        )
    ok(w.signed_in(w.officer).post(_url("incident-edit", w.incident.urn), opened))


def read_the_incident_history(w: World):
    ok(w.signed_in(w.officer).get(_url("incident-history", w.incident.urn)))


# --- Closure ---------------------------------------------------------------------------------


def _submitted(w: World):
    submit_for_closure(w.incident, by=w.officer, summary="Visits done.", outcome="resolved")


def submit_for_closure_on_the_page(w: World):
    form = {"outcome": "resolved", "summary": "Visits done; it stopped."}
    ok(w.signed_in(w.officer).post(_url("closure-submit", w.incident.urn), form), 302)


def close_the_case(w: World):
    _submitted(w)
    form = {"action": "approve", "note": "Agreed"}
    ok(w.signed_in(w.manager).post(_url("closure-decide", w.incident.urn), form), 302)


def return_the_case(w: World):
    _submitted(w)
    form = {"action": "return", "return-reason": "Victim not yet told of the outcome."}
    ok(w.signed_in(w.manager).post(_url("closure-decide", w.incident.urn), form), 302)


def reopen_the_case(w: World):
    _submitted(w)
    approve_closure(w.incident, by=w.manager)
    form = {"reason": "New reports from the victim."}
    ok(w.signed_in(w.manager).post(_url("case-reopen", w.incident.urn), form), 302)


# --- People ----------------------------------------------------------------------------------


def _find(person: Person | None = None) -> dict:
    """Step one of adding someone to the incident (as a witness): the details searched for."""
    details = person_fields()
    if person is not None:
        details = {name: getattr(person, name) for name in details}
    return {
        "step": "find",
        "find-role": "witness",
        "find-given_name": details["given_name"],
        "find-family_name": details["family_name"],
        "find-date_of_birth": details["date_of_birth"].strftime("%d/%m/%Y"),
        "find-postcode": details["postcode"],
    }


def open_a_person(w: World):
    ok(w.signed_in(w.officer).get(_url("person-detail", w.victim.person_id)))


def add_a_new_person(w: World):
    find = _find()
    form = {
        **find,
        "step": "save",
        "match-choice": "new",
        "person-given_name": find["find-given_name"],
        "person-family_name": find["find-family_name"],
        "person-date_of_birth": find["find-date_of_birth"],
        "person-postcode": find["find-postcode"],
        "person-gender": "not_known",
        "person-ethnicity": "not_stated",
    }
    ok(w.signed_in(w.officer).post(_url("involvement-add", w.incident.urn), form), 302)


def link_a_known_person(w: World):
    """The victim is also a witness: found by the search, then linked."""
    form = {**_find(w.victim.person), "step": "save", "match-choice": w.victim.person_id}
    ok(w.signed_in(w.officer).post(_url("involvement-add", w.incident.urn), form), 302)


def change_a_persons_details(w: World):
    person = w.victim.person
    names = ["given_name", "family_name", "address", "postcode", "gender", "ethnicity"]
    form = {name: getattr(person, name) or "" for name in names}
    form.update(
        date_of_birth=person.date_of_birth.strftime("%d/%m/%Y"),
        version=person.version,
        language="Polish",
    )
    ok(w.signed_in(w.officer).post(_url("person-edit", person.pk), form), 302)


def _duplicate_of_the_victim(w: World) -> Person:
    person = w.victim.person
    same = {"given_name": person.given_name, "family_name": person.family_name}
    return involve(
        w.incident, by=w.officer, role="witness", person_fields=person_fields(**same)
    ).person


def merge_two_records(w: World):
    keep, duplicate = w.victim.person, _duplicate_of_the_victim(w)
    form = {
        "action": "merge",
        "confirm-keep": keep.pk,
        "confirm-duplicate": duplicate.pk,
        "confirm-reason": "Same person: same date of birth and address",
    }
    ok(w.signed_in(w.admin).post(_url("people-merge"), form), 302)


def undo_a_merge(w: World):
    duplicate = _duplicate_of_the_victim(w)
    merge_people(w.victim.person, duplicate, by=w.admin, reason="Looked the same")
    form = {"reason": "Twins: not the same person"}
    ok(w.signed_in(w.admin).post(_url("people-merge-undo", duplicate.pk), form), 302)


def _involvement_page(w: World, involvement) -> str:
    return _url("involvement-detail", w.incident.urn, involvement.pk)


def record_a_statement(w: World):
    form = {
        "form": "statement",
        "statement-taken": "yes",
        "statement-taken_on": _typed(_days_ago(3)),
    }
    ok(w.signed_in(w.officer).post(_involvement_page(w, w.victim), form), 302)


def _warning() -> InterventionType:
    return InterventionType.objects.get(code="community_protection_warning")


def record_an_intervention(w: World):
    form = {
        "form": "intervention",
        "intervention-type": _warning().pk,
        "intervention-issuing_organisation": w.officer.organisation_id,
        "intervention-status": "issued",
        "intervention-issued_on": _typed(_days_ago(2)),
    }
    ok(w.signed_in(w.officer).post(_involvement_page(w, w.perpetrator), form), 302)


def change_an_intervention(w: World):
    intervention = record_intervention(
        w.perpetrator,
        by=w.officer,
        type=_warning(),
        issuing_organisation=w.officer.organisation,
        status="issued",
        issued_on=_days_ago(2),
    )
    url = _url("intervention-edit", w.incident.urn, w.perpetrator.pk, intervention.pk)
    form = {
        "type": _warning().pk,
        "issuing_organisation": w.officer.organisation_id,
        "status": "breached",
        "issued_on": _typed(_days_ago(2)),
        "breaches": "Seen again yesterday",
    }
    ok(w.signed_in(w.officer).post(url, form), 302)


def record_consent(w: World):
    form = {
        "form": "consent",
        "consent-scope": "victim_support",
        "consent-status": "given",
        "consent-decided_on": _typed(_days_ago(1)),
    }
    ok(w.signed_in(w.officer).post(_involvement_page(w, w.victim), form), 302)


# --- Working the case ------------------------------------------------------------------------


def add_a_working_sheet_entry(w: World):
    form = {
        "kind": "visit",
        "text": "Visited the site.",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    ok(w.signed_in(w.officer).post(_url("entry-add", w.incident.urn), form), 302)


def assess_risk(w: World):
    form = {question_field(q): "no" for q in RiskQuestion.objects.filter(active=True)}
    ok(w.signed_in(w.officer).post(_url("risk-assess", w.incident.urn), form), 302)


def _in_a_week() -> str:
    return (timezone.localdate() + datetime.timedelta(days=7)).isoformat()


def raise_a_task(w: World):
    form = {"assigned_to": w.manager.pk, "title": "Joint visit", "due_on": _in_a_week()}
    ok(w.signed_in(w.officer).post(_url("task-add", w.incident.urn), form), 302)


def complete_a_task(w: World):
    task = raise_task(
        w.incident,
        by=w.manager,
        assigned_to=w.officer,
        title="Visit the complainant",
        due_on=timezone.localdate() + datetime.timedelta(days=7),
    )
    form = {"action": "complete", "complete-note": "Spoke to the complainant"}
    ok(w.signed_in(w.officer).post(_url("task-detail", task.pk), form), 302)


def alert_a_colleague(w: World):
    form = {"recipient": w.manager.pk, "kind": "attention", "message": "Please look"}
    ok(w.signed_in(w.officer).post(_url("alert-send", w.incident.urn), form), 302)


def upload_a_document(w: World):
    form = {"file": SimpleUploadedFile("diary.txt", b"Noise diary, week 1"), "kind": "other"}
    ok(w.signed_in(w.officer).post(_url("document-upload", w.incident.urn), form), 302)


WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def upload_a_program_disguised_as_a_photo(w: World):
    form = {"file": SimpleUploadedFile("photo.jpg", WINDOWS_PROGRAM), "kind": "photo"}
    ok(w.signed_in(w.officer).post(_url("document-upload", w.incident.urn), form))


def download_a_document(w: World):
    url = _url("document-download", w.incident.urn, w.document.pk)
    b"".join(ok(w.signed_in(w.officer).get(url)).streaming_content)


# --- Search, reports, exports, prints (S1-S5) -------------------------------------------------


def search_for_incidents(w: World):
    form = {"kind": "incidents", "text": "Noise"}
    ok(w.signed_in(w.officer).post(_url("search"), form))


def state_a_reporting_purpose(w: World):
    form = {"purpose": PURPOSE, "next": _url("report")}
    ok(w.signed_in(w.analyst).post(_url("report-purpose"), form), 302)


def run_a_report(w: World):
    ok(w.reporting().post(_url("report"), {"subject": "incidents"}))


def save_a_report(w: World):
    form = {"subject": "incidents", "name": "Blaby monthly"}
    ok(w.reporting().post(_url("report-save"), form), 302)


def delete_a_saved_report(w: World):
    saved = save_report(w.analyst, name="Old report", definition=ReportDefinition())
    ok(w.reporting().post(_url("report-saved-delete", saved.pk)), 302)


def analyse_hotspots(w: World):
    ok(w.reporting().get(_url("hotspots")))


def produce_statistics(w: World):
    ok(w.reporting().get(_url("statistics")))


def export_a_report(w: World):
    ok(w.reporting().post(_url("report-export"), {"format": "csv", "subject": "incidents"}))


def print_a_report(w: World):
    ok(w.reporting().post(_url("report-print"), {"subject": "incidents"}))


# --- Sharing, reference data, integrations ---------------------------------------------------


def share_the_incident(w: World):
    with serving(w.officer):
        share_incident(
            w.incident,
            by=w.officer,
            with_organisation=w.scenario.rutland_officer.organisation,
            level="view",
            reason="Joint case: the perpetrator lives in Rutland",
        )


def revoke_a_share(w: World):
    rutland = w.scenario.rutland_officer.organisation
    share_incident(
        w.incident, by=w.officer, with_organisation=rutland, level="view", reason="Joint case"
    )
    with serving(w.officer):
        revoke_share(
            w.incident, by=w.officer, with_organisation=rutland, reason="Joint work finished"
        )


def change_a_reference_code(w: World):
    pen = PenCode.objects.first()
    form = {"code": pen.code, "label": "Changed label", "active": "on"}
    ok(w.signed_in(w.admin).post(_url("reference-edit", "pen-codes", pen.pk), form), 302)


def issue_an_api_token(w: World):
    call_command("issue_api_token", w.officer.username, stdout=io.StringIO())


# --- Denied access (V5) and signing in and out (A3) -------------------------------------------


def open_an_incident_out_of_scope(w: World):
    ok(w.signed_in(w.officer).get(_url("incident-detail", w.elsewhere.urn)), 404)


def sign_in(w: World):
    form = {"username": w.officer.username, "password": PASSWORD}
    assert w.client.post(_url("sign-in"), form).status_code == 302  # on, or to a next step


WRONG_PASSWORD = "not-the-password-4821"


def sign_in_with_a_wrong_password(w: World):
    form = {"username": w.officer.username, "password": WRONG_PASSWORD}
    ok(w.client.post(_url("sign-in"), form))


def sign_out(w: World):
    ok(w.signed_in(w.officer).post(_url("sign-out")), 302)


# --- Sign-in security, sessions and administration (#6) ------------------------------------------


def sign_out_everywhere(w: World):
    ok(w.signed_in(w.officer).post(_url("sign-out-everywhere")), 302)


def stay_away_for_31_minutes(w: World):
    from access.sessions import LAST_ACTIVITY

    client = w.signed_in(w.officer)
    session = client.session
    session[LAST_ACTIVITY] = time.time() - 31 * 60
    session.save()
    ok(client.get(_url("dashboard")), 302)


def sign_in_to_a_disabled_account(w: World):
    w.officer.is_active = False
    w.officer.save(update_fields=["is_active"])
    form = {"username": w.officer.username, "password": PASSWORD}
    ok(w.client.post(_url("sign-in"), form))


def type_five_wrong_passwords(w: World, user=None):
    form = {"username": (user or w.officer).username, "password": WRONG_PASSWORD}
    for _ in range(5):
        w.client.post(_url("sign-in"), form)


def unlock_a_locked_account(w: World):
    type_five_wrong_passwords(w)
    ok(w.signed_in(w.admin).post(_url("admin-user-unlock", w.officer.pk)), 302)


def change_my_password(w: World):
    new = "A-brand-new-long-passphrase-7"
    form = {"current_password": PASSWORD, "new_password": new, "confirm_password": new}
    ok(w.signed_in(w.officer).post(_url("password-change"), form), 302)


def set_a_users_password(w: World):
    new = "Set-by-the-administrator-93"
    form = {"password": new, "password_confirmation": new}
    ok(w.signed_in(w.admin).post(_url("admin-user-password", w.officer.pk), form), 302)


def set_up_two_factor(w: World):
    from django_otp.oath import TOTP

    client = w.signed_in(w.officer)
    ok(client.get(_url("two-factor-setup")))
    key = client.session["access_two_factor_pending_key"]
    code = f"{TOTP(bytes.fromhex(key)).token():06d}"
    ok(client.post(_url("two-factor-setup"), {"otp_token": code}), 302)


def _password_then_code(w: World, code_of) -> None:
    from tests.support.two_factor import give_totp_device

    device = give_totp_device(w.analyst)
    form = {"username": w.analyst.username, "password": PASSWORD}
    signed_in = w.client.post(_url("sign-in"), form)
    assert signed_in.status_code == 302 and _held_at(signed_in) == "two-factor"
    w.client.post(_url("two-factor"), {"otp_token": code_of(device)})


def enter_a_two_factor_code(w: World):
    from tests.support.two_factor import next_code

    _password_then_code(w, next_code)


def enter_a_wrong_two_factor_code(w: World):
    from tests.support.two_factor import next_code

    _password_then_code(w, lambda device: f"{(int(next_code(device)) + 1) % 1000000:06d}")


def reset_a_users_two_factor(w: World):
    from tests.support.two_factor import give_totp_device

    give_totp_device(w.analyst)
    form = {"reason": "Lost their phone on the night shift"}
    url = _url("admin-user-reset-two-factor", w.analyst.pk)
    ok(w.signed_in(w.admin).post(url, form), 302)


def _new_user(w: World):
    from access.administration.services import create_user

    with serving(w.admin):
        w.made["user"] = create_user(
            by=w.admin,
            username="new.starter",
            first_name=fake.first_name(),
            last_name=fake.last_name(),
            email="new.starter@example.invalid",
            organisation=w.admin.organisation,
            group=UserGroup.OPERATIONAL,
            training_level=1,
        )
    return w.made["user"]


def add_a_user(w: World):
    _new_user(w)


def change_a_users_training(w: World):
    from access.administration.services import snapshot, update_user

    with serving(w.admin):
        update_user(w.officer, by=w.admin, original=snapshot(w.officer), training_level=2)


def enable_a_user(w: World):
    from access.administration.services import enable_user

    user = _new_user(w)
    with serving(w.admin):
        enable_user(user, by=w.admin, code_of_connection_signed=True, training_level=1)


def disable_a_user(w: World):
    from access.administration.services import disable_user

    with serving(w.admin):
        disable_user(w.officer, by=w.admin, reason="Left the council")


def _host(w: World):
    """The Blaby administrator made deployment-wide, to act on another partner."""
    w.admin.manages_all_organisations = True
    w.admin.save(update_fields=["manages_all_organisations"])
    return w.admin


def suspend_a_partner(w: World):
    from access.administration.services import suspend_organisation

    host = _host(w)
    with serving(host):
        suspend_organisation(
            w.scenario.rutland_officer.organisation,
            by=host,
            ends=timezone.now() + datetime.timedelta(days=14),
            reason="Investigating a serious breach of the agreement",
        )


def lift_a_suspension(w: World):
    from access.administration.services import lift_suspension

    suspend_a_partner(w)
    with serving(w.admin):
        lift_suspension(
            w.scenario.rutland_officer.organisation, by=w.admin, reason="Investigation closed"
        )


def review_a_users_audit_trail(w: World):
    ok(w.signed_in(w.admin).get(_url("audit-user", w.officer.pk)))


def _disclosure(w: World):
    from audit.registers import record_disclosure

    with serving(w.admin):
        return record_disclosure(
            by=w.admin,
            incident=w.incident,
            disclosed_on=_days_ago(2),
            information="Dates and places of the reported incidents",
            subject="The victim in the incident",
            recipient="Duty solicitor",
            recipient_organisation="A firm of solicitors",
            reason="legal",
            legal_gateway="dpa_sch2_p1_5",
            justification="Needed for possession proceedings",
            authorised_by="Head of community safety",
        )


def record_a_disclosure(w: World):
    _disclosure(w)


def produce_the_disclosure_report(w: World):
    _disclosure(w)
    ok(w.signed_in(w.admin).get(_url("disclosure-report")))


def _breach(w: World):
    from audit.registers import record_breach

    with serving(w.admin):
        return record_breach(
            by=w.admin,
            organisation=w.admin.organisation,
            category="loss_theft",
            discovered_on=_days_ago(1),
            description="A printed case summary was left on a train",
        )


def record_a_breach(w: World):
    _breach(w)


def update_a_breach_investigation(w: World):
    from audit.registers import update_breach

    breach = _breach(w)
    with serving(w.admin):
        update_breach(
            breach,
            by=w.admin,
            expected_version=breach.version,
            status="investigating",
            investigation="Interviewed the officer concerned",
        )


def open_a_register_entry(w: World):
    disclosure = _disclosure(w)
    ok(w.signed_in(w.admin).get(_url("disclosure-detail", disclosure.pk)))


# --- Retention and subject access (issue #7) ---------------------------------------------------


def _retention_settings(w: World, data: dict):
    return ok(w.signed_in(w.manager).post(_url("incident-retention", w.incident.urn), data), 302)


def change_the_deletion_flag(w: World):
    _retention_settings(
        w, {"action": "flag", "flag-flag": "review", "flag-reason": "Vulnerable victim"}
    )


def place_a_legal_hold(w: World):
    _retention_settings(
        w, {"action": "hold", "hold-hold": "place", "hold-reason": "Civil claim pending"}
    )


def lift_a_legal_hold(w: World):
    with serving(w.manager):
        set_legal_hold(w.incident, by=w.manager, hold=True, reason="Civil claim pending")
    _retention_settings(w, {"action": "hold", "hold-hold": "lift", "hold-reason": "Settled"})


def run_the_retention_sweep(w: World):
    call_command("retention_sweep", stdout=io.StringIO())


def _queued_for_review(w: World) -> None:
    """The world's incident, closed eight years ago: the default rule queues it for review."""
    with serving(w.officer):
        submit_for_closure(w.incident, by=w.officer, summary="Stopped", outcome="resolved")
    with serving(w.manager):
        approve_closure(w.incident, by=w.manager)
    Incident.objects.filter(pk=w.incident.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=8 * 366)
    )
    run_sweep()


def _decide(w: World, data: dict):
    _queued_for_review(w)
    opened_at = timezone.now().isoformat()
    url = _url("retention-decide", w.incident.urn)
    return ok(
        w.signed_in(w.admin).post(url, {**data, f"{data['action']}-opened_at": opened_at}), 302
    )


def keep_a_case_after_review(w: World):
    in_a_year = timezone.localdate() + datetime.timedelta(days=365)
    _decide(
        w,
        {
            "action": "keep",
            "keep-reason": "Prosecution pending",
            "keep-review_on_day": in_a_year.day,
            "keep-review_on_month": in_a_year.month,
            "keep-review_on_year": in_a_year.year,
        },
    )


def erase_a_case_after_review(w: World):
    _decide(w, {"action": "delete", "delete-confirm": "on"})


def produce_the_inactive_records_report(w: World):
    ok(w.signed_in(w.manager).get(_url("inactive-records")))


def produce_a_subject_access_export(w: World):
    ok(
        w.signed_in(w.admin).post(
            _url("subject-access-person", w.victim.person_id),
            {"reference": "SAR-2026-0001", "file_format": "json"},
        )
    )


TRIGGERS = {
    Type.INCIDENT_CREATED: log_a_complaint,
    Type.INCIDENT_VIEWED: open_the_incident,
    Type.INCIDENT_UPDATED: edit_the_incident,
    Type.INCIDENT_UPDATE_CONFLICT: save_a_stale_edit,
    Type.HISTORY_VIEWED: read_the_incident_history,
    Type.CLOSURE_SUBMITTED: submit_for_closure_on_the_page,
    Type.CLOSURE_APPROVED: close_the_case,
    Type.CLOSURE_RETURNED: return_the_case,
    Type.CASE_REOPENED: reopen_the_case,
    Type.PERSON_VIEWED: open_a_person,
    Type.PERSON_CREATED: add_a_new_person,
    Type.INVOLVEMENT_ADDED: link_a_known_person,
    Type.PERSON_UPDATED: change_a_persons_details,
    Type.PEOPLE_MERGED: merge_two_records,
    Type.PEOPLE_MERGE_UNDONE: undo_a_merge,
    Type.STATEMENT_RECORDED: record_a_statement,
    Type.INTERVENTION_RECORDED: record_an_intervention,
    Type.INTERVENTION_UPDATED: change_an_intervention,
    Type.CONSENT_RECORDED: record_consent,
    Type.ENTRY_ADDED: add_a_working_sheet_entry,
    Type.RISK_ASSESSED: assess_risk,
    Type.TASK_RAISED: raise_a_task,
    Type.TASK_UPDATED: complete_a_task,
    Type.ALERT_SENT: alert_a_colleague,
    Type.DOCUMENT_UPLOADED: upload_a_document,
    Type.DOCUMENT_REJECTED: upload_a_program_disguised_as_a_photo,
    Type.DOCUMENT_DOWNLOADED: download_a_document,
    Type.SEARCH: search_for_incidents,
    Type.REPORT_PURPOSE_STATED: state_a_reporting_purpose,
    Type.REPORT_RUN: run_a_report,
    Type.REPORT_SAVED: save_a_report,
    Type.REPORT_DELETED: delete_a_saved_report,
    Type.HOTSPOTS_VIEWED: analyse_hotspots,
    Type.STATISTICS_VIEWED: produce_statistics,
    Type.EXPORTED: export_a_report,
    Type.PRINTED: print_a_report,
    Type.SHARE_GRANTED: share_the_incident,
    Type.SHARE_REVOKED: revoke_a_share,
    Type.REFERENCE_CHANGED: change_a_reference_code,
    Type.API_TOKEN_ISSUED: issue_an_api_token,
    Type.ACCESS_DENIED: open_an_incident_out_of_scope,
    Type.SIGNED_IN: sign_in,
    Type.SIGN_IN_FAILED: sign_in_with_a_wrong_password,
    Type.SIGNED_OUT: sign_out,
    Type.SIGNED_OUT_EVERYWHERE: sign_out_everywhere,
    Type.SESSION_EXPIRED: stay_away_for_31_minutes,
    Type.SIGN_IN_REFUSED: sign_in_to_a_disabled_account,
    Type.ACCOUNT_LOCKED: type_five_wrong_passwords,
    Type.ACCOUNT_UNLOCKED: unlock_a_locked_account,
    Type.PASSWORD_CHANGED: change_my_password,
    Type.PASSWORD_SET: set_a_users_password,
    Type.TWO_FACTOR_ENROLLED: set_up_two_factor,
    Type.TWO_FACTOR_VERIFIED: enter_a_two_factor_code,
    Type.TWO_FACTOR_FAILED: enter_a_wrong_two_factor_code,
    Type.TWO_FACTOR_RESET: reset_a_users_two_factor,
    Type.USER_CREATED: add_a_user,
    Type.USER_UPDATED: change_a_users_training,
    Type.USER_ENABLED: enable_a_user,
    Type.USER_DISABLED: disable_a_user,
    Type.CODE_OF_CONNECTION_CONFIRMED: enable_a_user,
    Type.ORGANISATION_SUSPENDED: suspend_a_partner,
    Type.SUSPENSION_LIFTED: lift_a_suspension,
    Type.AUDIT_REVIEWED: review_a_users_audit_trail,
    Type.DISCLOSURE_RECORDED: record_a_disclosure,
    Type.DISCLOSURE_REPORTED: produce_the_disclosure_report,
    Type.BREACH_RECORDED: record_a_breach,
    Type.BREACH_UPDATED: update_a_breach_investigation,
    Type.REGISTER_VIEWED: open_a_register_entry,
    Type.RETENTION_FLAG_CHANGED: change_the_deletion_flag,
    Type.LEGAL_HOLD_SET: place_a_legal_hold,
    Type.LEGAL_HOLD_LIFTED: lift_a_legal_hold,
    Type.RETENTION_SWEEP: run_the_retention_sweep,
    Type.RETENTION_KEPT: keep_a_case_after_review,
    Type.INCIDENT_ERASED: erase_a_case_after_review,
    Type.INACTIVE_REPORT: produce_the_inactive_records_report,
    Type.SUBJECT_ACCESS: produce_a_subject_access_export,
}

# --- Denied attempts (V5): URL -> (the record named in the denial) ----------------------------


def an_incident_out_of_scope(w: World):
    return _url("incident-detail", w.elsewhere.urn), ("incident", w.elsewhere.urn)


def a_person_out_of_scope(w: World):
    return _url("person-detail", w.remote.pk), ("person", str(w.remote.pk))


def a_document_of_another_incident_through_this_one(w: World):
    document = w.foreign_document
    return _url("document-download", w.incident.urn, document.pk), ("document", str(document.pk))


DENIED = {
    attempt.__name__: attempt
    for attempt in (
        an_incident_out_of_scope,
        a_person_out_of_scope,
        a_document_of_another_incident_through_this_one,
    )
}
