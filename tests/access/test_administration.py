"""User administration (SPEC M1, G4; §17): who may use each page and action, what each does,
what it records, and what it refuses."""

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.administration import services
from access.models import SignedInSession, User, UserGroup
from audit.models import AuditEvent
from tests.access.factories import PASSWORD

BLABY = "Blaby District Council"
RUTLAND = "Rutland County Council"
POLICE = "Leicestershire Police"
NEW_PASSWORD = "copper-kettle-winter-lantern"
# The five groups, and a deployment-wide administrator (M1).
ACTORS = [*UserGroup.values, "deployment"]
# What user administration records.
ADMIN_EVENTS = [
    AuditEvent.Type.USER_CREATED,
    AuditEvent.Type.USER_UPDATED,
    AuditEvent.Type.USER_ENABLED,
    AuditEvent.Type.USER_DISABLED,
    AuditEvent.Type.CODE_OF_CONNECTION_CONFIRMED,
    AuditEvent.Type.PASSWORD_SET,
    AuditEvent.Type.ACCOUNT_UNLOCKED,
    AuditEvent.Type.TWO_FACTOR_RESET,
]


@pytest.fixture
def people(make_user):
    """Blaby's administrator, a deployment-wide administrator (of the police), and users to
    act on in Blaby and in Rutland: each organisation has one enabled user and one newcomer
    not yet enabled."""

    def newcomer(organisation):
        return make_user(
            organisation,
            UserGroup.OPERATIONAL,
            is_active=False,
            code_of_connection_confirmed_at=None,
            password=None,
        )

    return {
        "admin": make_user(BLABY, UserGroup.ADMINISTRATOR, username="blaby.admin"),
        "host": make_user(
            POLICE, UserGroup.ADMINISTRATOR, manages_all_organisations=True, username="host"
        ),
        "officer": make_user(BLABY, UserGroup.OPERATIONAL, username="blaby.officer"),
        "newcomer": newcomer(BLABY),
        "rutland": make_user(RUTLAND, UserGroup.OPERATIONAL, username="rutland.officer"),
        "rutland_newcomer": newcomer(RUTLAND),
    }


def actor_for(make_user, people, group):
    if group == "deployment":
        return people["host"]
    if group == UserGroup.ADMINISTRATOR:
        return people["admin"]
    return make_user(BLABY, group)


def is_admin(group) -> bool:
    return group in (UserGroup.ADMINISTRATOR, "deployment")


def edit_data(user, **changes):
    values = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "group": user.group,
        "training_level": user.training_level,
        "original": services.snapshot(user),
    }
    if user.analyst_can_add_and_amend:
        values["analyst_can_add_and_amend"] = "on"
    values.update(changes)
    return values


# Every action on a user: (url name, target, the POST that does it). Unlock is a POST only.
def actions(people, enabled_key="officer", new_key="newcomer"):
    """Each action aimed at people[enabled_key], or people[new_key] for enabling."""
    enabled, new = people[enabled_key], people[new_key]
    return [
        ("admin-user-edit", enabled, edit_data(enabled, first_name="Changed")),
        ("admin-user-enable", new, {"code_of_connection_signed": "on", "training_level": "1"}),
        ("admin-user-disable", enabled, {"reason": "Left the council"}),
        (
            "admin-user-password",
            enabled,
            {"password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD},
        ),
        ("admin-user-unlock", enabled, {}),
        ("admin-user-reset-two-factor", enabled, {"reason": "Lost their phone"}),
    ]


# --- Who may use the pages -----------------------------------------------------------------------


@pytest.mark.parametrize("group", ACTORS)
def test_only_administrators_reach_the_user_pages(client, make_user, people, group):
    client.force_login(actor_for(make_user, people, group))
    officer, newcomer = people["officer"], people["newcomer"]
    pages = [
        ("administration", []),
        ("admin-users", []),
        ("admin-user-add", []),
        ("admin-user", [officer.pk]),
        ("admin-user-edit", [officer.pk]),
        ("admin-user-enable", [newcomer.pk]),
        ("admin-user-disable", [officer.pk]),
        ("admin-user-password", [officer.pk]),
        ("admin-user-reset-two-factor", [officer.pk]),
    ]
    expected = 200 if is_admin(group) else 404
    for name, args in pages:
        assert client.get(reverse(name, args=args)).status_code == expected, name


@pytest.mark.parametrize("group", ACTORS)
def test_only_administrators_can_act_on_users(client, make_user, people, group):
    client.force_login(actor_for(make_user, people, group))
    for name, target, data in actions(people):
        response = client.post(reverse(name, args=[target.pk]), data)
        assert response.status_code == (302 if is_admin(group) else 404), name
    officer, newcomer = people["officer"], people["newcomer"]
    officer.refresh_from_db()
    newcomer.refresh_from_db()
    if is_admin(group):
        assert officer.first_name == "Changed"
        assert newcomer.is_active
        assert not officer.is_active
        assert officer.must_change_password
    else:
        assert officer.first_name != "Changed"
        assert not newcomer.is_active
        assert officer.is_active
        assert not officer.must_change_password
        assert not AuditEvent.objects.filter(event_type__in=ADMIN_EVENTS).exists()


@pytest.mark.parametrize("group", ACTORS)
def test_only_administrators_can_create_users(client, make_user, people, group):
    client.force_login(actor_for(make_user, people, group))
    response = client.post(
        reverse("admin-user-add"),
        {
            "username": "new.starter",
            "first_name": "New",
            "last_name": "Starter",
            "email": "new.starter@example.invalid",
            "organisation": people["officer"].organisation.pk,
            "group": UserGroup.OPERATIONAL,
            "training_level": "1",
        },
    )
    assert response.status_code == (302 if is_admin(group) else 404)
    assert User.objects.filter(username="new.starter").exists() == is_admin(group)


def test_an_administrator_of_one_organisation_cannot_manage_another_organisations_users(
    client, people
):
    client.force_login(people["admin"])
    rutland = people["rutland"]
    targets = actions(people, "rutland", "rutland_newcomer")
    for name, target, data in targets:
        assert client.get(reverse(name, args=[target.pk])).status_code in (404, 405), name
        assert client.post(reverse(name, args=[target.pk]), data).status_code == 404, name
    assert client.get(reverse("admin-user", args=[rutland.pk])).status_code == 404
    # The list does not show them either.
    assert rutland.username not in client.get(reverse("admin-users")).content.decode()

    rutland.refresh_from_db()
    assert rutland.is_active and not rutland.must_change_password
    assert rutland.first_name != "Changed"
    assert not User.objects.get(pk=people["rutland_newcomer"].pk).is_active
    denied = AuditEvent.objects.filter(event_type=AuditEvent.Type.ACCESS_DENIED)
    assert denied.filter(actor=people["admin"], target_type="user").count() >= len(targets)
    assert not AuditEvent.objects.filter(event_type__in=ADMIN_EVENTS).exists()


def test_a_missing_user_is_not_found_like_an_out_of_scope_one(client, people):
    client.force_login(people["admin"])
    missing = User.objects.order_by("-pk").first().pk + 100
    for name in ("admin-user", "admin-user-edit", "admin-user-password"):
        assert client.get(reverse(name, args=[missing])).status_code == 404


def test_an_administrator_cannot_create_a_user_in_another_organisation(client, people):
    client.force_login(people["admin"])
    response = client.post(
        reverse("admin-user-add"),
        {
            "username": "sneaky",
            "first_name": "Sam",
            "last_name": "Sneaky",
            "email": "sneaky@example.invalid",
            # Not a field for them: their own organisation is fixed.
            "organisation": people["rutland"].organisation.pk,
            "group": UserGroup.OPERATIONAL,
            "training_level": "1",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="sneaky").organisation == people["admin"].organisation


def test_a_deployment_wide_administrator_manages_every_organisations_users(client, people):
    client.force_login(people["host"])
    for name, target, data in actions(people, "rutland", "rutland_newcomer"):
        assert client.post(reverse(name, args=[target.pk]), data).status_code == 302, name
    rutland = User.objects.get(pk=people["rutland"].pk)
    assert rutland.first_name == "Changed"
    assert not rutland.is_active
    assert User.objects.get(pk=people["rutland_newcomer"].pk).is_active
    page = client.get(reverse("admin-users")).content.decode()
    assert "rutland.officer" in page and "blaby.officer" in page


def test_only_a_deployment_wide_administrator_changes_a_deployment_wide_administrator(
    client, make_user, people
):
    """Otherwise the host's own administrators could take over its powers by setting its
    password."""
    colleague = make_user(POLICE, UserGroup.ADMINISTRATOR)
    host = people["host"]
    client.force_login(colleague)
    # They see the account...
    page = client.get(reverse("admin-user", args=[host.pk]))
    assert page.status_code == 200
    assert "Only a deployment-wide administrator can change this account." in (
        page.content.decode()
    )
    # ...but can change nothing on it.
    for name, _, data in actions(people):
        if name == "admin-user-enable":
            continue
        assert client.post(reverse(name, args=[host.pk]), data).status_code == 404, name
    host.refresh_from_db()
    assert host.is_active and not host.must_change_password


# --- Creating users ------------------------------------------------------------------------------


def new_user_data(**changes):
    data = {
        "username": "jo.bloggs",
        "first_name": "Jo",
        "last_name": "Bloggs",
        "email": "jo.bloggs@example.invalid",
        "group": UserGroup.ENHANCED,
        "training_level": "1",
    }
    data.update(changes)
    return data


def test_a_new_user_is_created_disabled_without_a_password(client, people):
    admin = people["admin"]
    client.force_login(admin)

    response = client.post(reverse("admin-user-add"), new_user_data())

    user = User.objects.get(username="jo.bloggs")
    assert response.url == reverse("admin-user", args=[user.pk])
    assert not user.is_active
    assert not user.has_usable_password()
    assert user.code_of_connection_confirmed_at is None
    assert (user.organisation, user.group, user.training_level) == (
        admin.organisation,
        UserGroup.ENHANCED,
        1,
    )
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.USER_CREATED)
    assert event.actor == admin
    assert event.organisation == admin.organisation
    assert (event.target_type, event.target_id) == ("user", str(user.pk))
    assert event.details["group"] == UserGroup.ENHANCED
    assert [h.history_user for h in user.history.all()] == [admin]


def test_a_deployment_wide_administrator_chooses_the_organisation(client, people):
    client.force_login(people["host"])
    rutland = people["rutland"].organisation
    client.post(reverse("admin-user-add"), new_user_data(organisation=rutland.pk))
    user = User.objects.get(username="jo.bloggs")
    assert user.organisation == rutland
    # Recorded against the organisation whose account it is.
    assert AuditEvent.objects.get(event_type=AuditEvent.Type.USER_CREATED).organisation == (
        rutland
    )


def test_an_administrator_needs_training_level_2_or_3(client, people):
    client.force_login(people["admin"])
    response = client.post(
        reverse("admin-user-add"),
        new_user_data(group=UserGroup.ADMINISTRATOR, training_level="1", first_name="Kept"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "An administrator must have completed training level 2 or 3." in page
    assert 'href="#id_training_level_0"' in page  # the error summary links to the field
    assert 'value="Kept"' in page
    assert not User.objects.filter(username="jo.bloggs").exists()

    client.post(
        reverse("admin-user-add"), new_user_data(group=UserGroup.ADMINISTRATOR, training_level=2)
    )
    assert User.objects.get(username="jo.bloggs").group == UserGroup.ADMINISTRATOR


def test_only_analysts_get_the_add_and_amend_grant(client, people):
    client.force_login(people["admin"])
    refused = client.post(
        reverse("admin-user-add"),
        new_user_data(group=UserGroup.OPERATIONAL, analyst_can_add_and_amend="on"),
    )
    assert "Only an analyst can be given add and amend rights" in refused.content.decode()
    client.post(
        reverse("admin-user-add"),
        new_user_data(group=UserGroup.ANALYST, analyst_can_add_and_amend="on"),
    )
    assert User.objects.get(username="jo.bloggs").analyst_can_add_and_amend


def test_only_a_deployment_wide_administrator_makes_another(client, people):
    client.force_login(people["admin"])
    form = client.get(reverse("admin-user-add")).content.decode()
    assert "manages_all_organisations" not in form
    client.post(
        reverse("admin-user-add"),
        new_user_data(
            group=UserGroup.ADMINISTRATOR, training_level=2, manages_all_organisations="on"
        ),
    )
    assert not User.objects.get(username="jo.bloggs").manages_all_organisations

    client.force_login(people["host"])
    organisation = people["rutland"].organisation.pk
    refused = client.post(
        reverse("admin-user-add"),
        new_user_data(username="x.y", organisation=organisation, manages_all_organisations="on"),
    )
    assert "Only an administrator can be a deployment-wide administrator" in (
        refused.content.decode()
    )
    client.post(
        reverse("admin-user-add"),
        new_user_data(
            username="x.y",
            organisation=organisation,
            group=UserGroup.ADMINISTRATOR,
            training_level=3,
            manages_all_organisations="on",
        ),
    )
    assert User.objects.get(username="x.y").manages_all_organisations


def test_a_double_submitted_create_says_the_username_is_taken(client, people):
    client.force_login(people["admin"])
    first = client.post(reverse("admin-user-add"), new_user_data())
    second = client.post(reverse("admin-user-add"), new_user_data(username="JO.BLOGGS"))
    page = second.content.decode()
    assert first.status_code == 302
    assert second.status_code == 200
    assert "A user with this username already exists" in page
    assert 'value="jo.bloggs@example.invalid"' in page
    assert User.objects.filter(username__iexact="jo.bloggs").count() == 1


def test_missing_details_are_named_field_by_field(client, people):
    client.force_login(people["admin"])
    response = client.post(reverse("admin-user-add"), {"first_name": "Only"})
    page = response.content.decode()
    for message in (
        "Enter a username.",
        "Enter the user&#x27;s last name.",
        "Enter the user&#x27;s email address.",
        "Choose the user&#x27;s group.",
        "Choose the user&#x27;s training level.",
    ):
        assert message in page
    assert "govuk-error-summary" in page
    assert 'value="Only"' in page


# --- Changing a user -----------------------------------------------------------------------------


def test_an_administrator_changes_a_users_group_and_training(client, people):
    admin, officer = people["admin"], people["officer"]
    client.force_login(admin)
    response = client.post(
        reverse("admin-user-edit", args=[officer.pk]),
        edit_data(officer, group=UserGroup.ENHANCED, training_level="3"),
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert (officer.group, officer.training_level) == (UserGroup.ENHANCED, 3)
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.USER_UPDATED)
    assert event.actor == admin
    assert (event.target_type, event.target_id) == ("user", str(officer.pk))
    assert event.details == {"fields": ["group", "training_level"]}


def test_a_stale_edit_is_refused_and_keeps_what_was_typed(client, people):
    admin, officer = people["admin"], people["officer"]
    client.force_login(admin)
    opened = edit_data(officer)  # the form as the administrator opened it
    # Meanwhile another administrator changes the training level.
    services.update_user(
        officer, by=people["host"], original=services.snapshot(officer), training_level=3
    )

    response = client.post(
        reverse("admin-user-edit", args=[officer.pk]), {**opened, "first_name": "Typed"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this user while you were editing" in page
    assert "Training level</strong> is now “Level 3”" in page
    assert 'value="Typed"' in page
    officer.refresh_from_db()
    assert officer.first_name != "Typed"
    assert officer.training_level == 3
    # Saving again is made knowingly over the other change.
    again = client.post(
        reverse("admin-user-edit", args=[officer.pk]),
        {**opened, "first_name": "Typed", "original": services.snapshot(officer)},
    )
    assert again.status_code == 302
    officer.refresh_from_db()
    assert officer.first_name == "Typed"


def test_an_administrator_cannot_change_their_own_group(client, people):
    admin = people["admin"]
    client.force_login(admin)
    response = client.post(
        reverse("admin-user-edit", args=[admin.pk]),
        edit_data(admin, group=UserGroup.OPERATIONAL, training_level="2"),
    )
    assert "You cannot change your own group." in response.content.decode()
    admin.refresh_from_db()
    assert admin.group == UserGroup.ADMINISTRATOR


def test_saving_unchanged_details_records_nothing(client, people):
    client.force_login(people["admin"])
    officer = people["officer"]
    response = client.post(reverse("admin-user-edit", args=[officer.pk]), edit_data(officer))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.USER_UPDATED).exists()


# --- Enabling ------------------------------------------------------------------------------------


def test_enabling_confirms_the_code_of_connection(client, people):
    admin, newcomer = people["admin"], people["newcomer"]
    client.force_login(admin)

    response = client.post(
        reverse("admin-user-enable", args=[newcomer.pk]),
        {"code_of_connection_signed": "on", "training_level": "2"},
    )

    newcomer.refresh_from_db()
    assert newcomer.is_active
    assert newcomer.code_of_connection_confirmed_by == admin
    assert newcomer.code_of_connection_confirmed_at is not None
    assert newcomer.training_level == 2
    # They have no password yet: the administrator is taken to set one.
    assert response.url == reverse("admin-user-password", args=[newcomer.pk])
    events = AuditEvent.objects.filter(target_type="user", target_id=str(newcomer.pk))
    assert set(events.values_list("event_type", flat=True)) == {
        AuditEvent.Type.CODE_OF_CONNECTION_CONFIRMED,
        AuditEvent.Type.USER_UPDATED,
        AuditEvent.Type.USER_ENABLED,
    }
    for event in events:
        assert event.actor == admin
        assert event.organisation == newcomer.organisation


def test_a_user_cannot_be_enabled_without_the_code_of_connection(client, people):
    client.force_login(people["admin"])
    newcomer = people["newcomer"]
    response = client.post(
        reverse("admin-user-enable", args=[newcomer.pk]), {"training_level": "1"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Confirm that the user has signed the code of connection" in page
    assert 'href="#id_code_of_connection_signed"' in page
    newcomer.refresh_from_db()
    assert not newcomer.is_active
    assert newcomer.code_of_connection_confirmed_at is None
    assert not AuditEvent.objects.filter(event_type__in=ADMIN_EVENTS).exists()


def test_an_administrator_below_training_level_2_is_not_enabled(client, make_user, people):
    client.force_login(people["admin"])
    # Created as an administrator at level 2, then their record says level 1 was a mistake.
    future_admin = make_user(
        BLABY,
        UserGroup.ADMINISTRATOR,
        is_active=False,
        code_of_connection_confirmed_at=None,
    )
    response = client.post(
        reverse("admin-user-enable", args=[future_admin.pk]),
        {"code_of_connection_signed": "on", "training_level": "1"},
    )
    assert "An administrator must have completed training level 2 or 3." in (
        response.content.decode()
    )
    future_admin.refresh_from_db()
    assert not future_admin.is_active

    with pytest.raises(ValidationError) as refused:
        services.enable_user(
            future_admin, by=people["admin"], code_of_connection_signed=True, training_level=1
        )
    assert "training_level" in refused.value.message_dict


def test_enabling_an_enabled_user_changes_nothing(client, people):
    client.force_login(people["admin"])
    officer = people["officer"]
    response = client.post(
        reverse("admin-user-enable", args=[officer.pk]),
        {"code_of_connection_signed": "on", "training_level": "1"},
    )
    assert response.url == reverse("admin-user", args=[officer.pk])
    assert "is already enabled" in client.get(response.url).content.decode()
    assert not AuditEvent.objects.filter(event_type__in=ADMIN_EVENTS).exists()


# --- Disabling -----------------------------------------------------------------------------------


def test_a_disabled_users_session_ends_at_once(client, people):
    admin, officer = people["admin"], people["officer"]
    their_browser = Client()
    their_browser.force_login(officer)
    assert their_browser.get(reverse("home")).status_code == 200
    session_key = their_browser.session.session_key

    client.force_login(admin)
    response = client.post(
        reverse("admin-user-disable", args=[officer.pk]), {"reason": "Left the council"}
    )

    assert response.status_code == 302
    officer.refresh_from_db()
    assert not officer.is_active
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not SignedInSession.objects.filter(user=officer).exists()
    next_request = their_browser.get(reverse("home"))
    assert next_request.status_code == 302
    assert next_request.url.startswith(reverse("sign-in"))
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.USER_DISABLED)
    assert event.actor == admin
    assert event.organisation == officer.organisation
    assert (event.target_type, event.target_id) == ("user", str(officer.pk))
    assert event.justification == "Left the council"
    assert event.details["sessions_ended"] == 1


def test_disabling_needs_a_reason(client, people):
    client.force_login(people["admin"])
    officer = people["officer"]
    response = client.post(reverse("admin-user-disable", args=[officer.pk]), {"reason": " "})
    assert "Enter why the user is being disabled." in response.content.decode()
    officer.refresh_from_db()
    assert officer.is_active


def test_an_administrator_cannot_disable_themselves(client, people):
    admin = people["admin"]
    client.force_login(admin)
    page = client.get(reverse("admin-user-disable", args=[admin.pk])).content.decode()
    assert "You cannot disable your own account." in page
    response = client.post(reverse("admin-user-disable", args=[admin.pk]), {"reason": "Oops"})
    assert response.status_code == 200
    assert "You cannot disable your own account." in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


# --- Passwords, lockouts, two-factor -------------------------------------------------------------


def test_a_set_password_must_be_changed_and_works(client, people):
    admin, officer = people["admin"], people["officer"]
    their_browser = Client()
    their_browser.force_login(officer)
    client.force_login(admin)

    response = client.post(
        reverse("admin-user-password", args=[officer.pk]),
        {"password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD},
    )

    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.must_change_password
    assert officer.check_password(NEW_PASSWORD)
    assert their_browser.get(reverse("home")).url.startswith(reverse("sign-in"))
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.PASSWORD_SET)
    assert event.actor == admin
    assert (event.target_type, event.target_id) == ("user", str(officer.pk))
    assert NEW_PASSWORD not in str(event.details) + event.justification
    # The new password signs them in, through the real sign-in page and its backends.
    signing_in = Client()
    signing_in.post(reverse("sign-in"), {"username": officer.username, "password": PASSWORD})
    assert "_auth_user_id" not in signing_in.session
    signing_in.post(reverse("sign-in"), {"username": officer.username, "password": NEW_PASSWORD})
    assert signing_in.session["_auth_user_id"] == str(officer.pk)


@pytest.mark.parametrize(
    "password, message",
    [
        ("short-one", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("blaby.officer", "The password is too similar to the username."),
    ],
)
def test_weak_passwords_are_refused_with_the_validators_words(client, people, password, message):
    client.force_login(people["admin"])
    officer = people["officer"]
    response = client.post(
        reverse("admin-user-password", args=[officer.pk]),
        {"password": password, "password_confirmation": password},
    )
    page = response.content.decode()
    assert message in page
    assert 'id="id_password-error"' in page
    officer.refresh_from_db()
    assert not officer.must_change_password
    assert officer.check_password(PASSWORD)


def test_the_two_passwords_must_match(client, people):
    client.force_login(people["admin"])
    officer = people["officer"]
    response = client.post(
        reverse("admin-user-password", args=[officer.pk]),
        {"password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD + "x"},
    )
    assert "The two passwords do not match." in response.content.decode()


def lock_out(user) -> None:
    """Five failed sign-ins, as a person (or a guesser) would make them."""
    guesser = Client()
    for attempt in range(5):
        guesser.post(
            reverse("sign-in"), {"username": user.username, "password": f"wrong-{attempt}-pass"}
        )


def sign_in_works(user, password=PASSWORD) -> bool:
    browser = Client()
    browser.post(reverse("sign-in"), {"username": user.username, "password": password})
    return browser.session.get("_auth_user_id") == str(user.pk)


def test_an_administrator_unlocks_a_locked_account(client, people):
    admin, officer = people["admin"], people["officer"]
    lock_out(officer)
    assert not sign_in_works(officer)
    client.force_login(admin)
    listed = client.get(reverse("admin-users"), {"status": "locked"}).content.decode()
    assert officer.username in listed
    assert people["newcomer"].username not in listed
    detail = client.get(reverse("admin-user", args=[officer.pk])).content.decode()
    assert "Locked after repeated failed sign-ins" in detail
    assert "Unlock account" in detail

    response = client.post(reverse("admin-user-unlock", args=[officer.pk]))

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=officer.username).exists()
    assert sign_in_works(officer)
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.ACCOUNT_UNLOCKED)
    assert event.actor == admin
    assert event.organisation == officer.organisation
    assert (event.target_type, event.target_id) == ("user", str(officer.pk))
    # Unlocking an account that is not locked is a no-op.
    client.post(reverse("admin-user-unlock", args=[officer.pk]))
    assert AuditEvent.objects.filter(event_type=AuditEvent.Type.ACCOUNT_UNLOCKED).count() == 1


def test_unlock_is_a_post(client, people):
    client.force_login(people["admin"])
    assert client.get(reverse("admin-user-unlock", args=[people["officer"].pk])).status_code == (
        405
    )


def test_setting_a_password_clears_a_lockout(client, people):
    officer = people["officer"]
    lock_out(officer)
    client.force_login(people["admin"])
    client.post(
        reverse("admin-user-password", args=[officer.pk]),
        {"password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD},
    )
    assert not AccessAttempt.objects.filter(username=officer.username).exists()
    assert sign_in_works(officer, NEW_PASSWORD)


def test_resetting_two_factor_removes_the_app_and_ends_sessions(client, people):
    admin, officer = people["admin"], people["officer"]
    TOTPDevice.objects.create(user=officer, name="Authenticator app", confirmed=True)
    their_browser = Client()
    their_browser.force_login(officer)
    client.force_login(admin)
    assert "Set up" in client.get(reverse("admin-user", args=[officer.pk])).content.decode()

    refused = client.post(reverse("admin-user-reset-two-factor", args=[officer.pk]), {})
    assert "Enter why two-factor authentication is being reset." in refused.content.decode()
    assert TOTPDevice.objects.filter(user=officer).exists()

    response = client.post(
        reverse("admin-user-reset-two-factor", args=[officer.pk]), {"reason": "Lost phone"}
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert their_browser.get(reverse("home")).url.startswith(reverse("sign-in"))
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.TWO_FACTOR_RESET)
    assert event.actor == admin
    assert event.justification == "Lost phone"
    assert event.details["devices_removed"] == 1


# --- The users list ------------------------------------------------------------------------------


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url, params or {}).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("who", ["admin", "host"])
def test_the_users_list_costs_the_same_for_one_user_or_many(client, make_user, people, who):
    client.force_login(people[who])
    url = reverse("admin-users")
    few = _queries(client, url)
    for n in range(25):
        user = make_user(BLABY if n % 2 else RUTLAND, UserGroup.values[n % 5])
        if n % 3 == 0:
            AccessAttempt.objects.create(
                username=user.username,
                ip_address=f"10.0.0.{n}",
                user_agent="test",
                get_data="",
                post_data="",
                http_accept="",
                path_info="/sign-in/",
                failures_since_start=5,
            )
    many = _queries(client, url)
    assert few == many
    assert _queries(client, url, {"status": "locked"}) == many


def test_the_users_list_shows_each_users_state(client, people):
    admin, officer, newcomer = people["admin"], people["officer"], people["newcomer"]
    lock_out(officer)
    client.force_login(admin)  # sets their last sign-in
    page = client.get(reverse("admin-users")).content.decode()
    assert page.count("govuk-tag--red") == 1  # the one locked account
    assert "Not confirmed" in page  # the newcomer's code of connection
    assert "Never" in page
    assert newcomer.username in page and officer.username in page

    enabled_only = client.get(reverse("admin-users"), {"status": "disabled"}).content.decode()
    assert newcomer.username in enabled_only
    assert officer.username not in enabled_only


def test_the_organisation_filter_is_for_deployment_wide_administrators(client, people):
    client.force_login(people["admin"])
    assert 'name="organisation"' not in client.get(reverse("admin-users")).content.decode()

    client.force_login(people["host"])
    rutland = people["rutland"].organisation
    page = client.get(reverse("admin-users"), {"organisation": rutland.pk}).content.decode()
    assert "rutland.officer" in page
    assert "blaby.officer" not in page


def test_the_users_list_pages_keep_the_filters(client, make_user, people):
    client.force_login(people["admin"])
    for _ in range(55):
        make_user(BLABY, UserGroup.OPERATIONAL)
    page = client.get(reverse("admin-users"), {"group": "operational"}).content.decode()
    assert 'href="?group=operational&amp;page=2"' in page


def test_the_user_page_links_to_the_users_audit_trail(client, people):
    client.force_login(people["admin"])
    officer = people["officer"]
    page = client.get(reverse("admin-user", args=[officer.pk])).content.decode()
    assert f'href="{reverse("audit-user", args=[officer.pk])}"' in page
    assert "View audit trail" in page


def test_the_administration_page_links_to_everything(client, people):
    client.force_login(people["admin"])
    page = client.get(reverse("administration")).content.decode()
    for name in ("admin-users", "audit-events", "disclosures", "breaches", "reference-index"):
        assert f'href="{reverse(name)}"' in page, name
    assert reverse("admin-partners") not in page
    client.force_login(people["host"])
    assert reverse("admin-partners") in client.get(reverse("administration")).content.decode()


def test_an_administrator_sets_their_own_password_from_their_account_not_here(client, people):
    admin = people["admin"]
    client.force_login(admin)
    page = client.get(reverse("admin-user-password", args=[admin.pk])).content.decode()
    assert "You cannot set your own password here." in page
    response = client.post(
        reverse("admin-user-password", args=[admin.pk]),
        {"password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD},
    )
    assert response.status_code == 200
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)
    assert not admin.must_change_password


def test_the_user_page_costs_the_same_whatever_the_user_holds(client, make_user, people):
    client.force_login(people["admin"])
    quiet, busy = people["officer"], make_user(BLABY, UserGroup.ANALYST)
    for n in range(6):
        AccessAttempt.objects.create(
            username=busy.username,
            ip_address=f"10.0.1.{n}",
            user_agent="test",
            get_data="",
            post_data="",
            http_accept="",
            path_info="/sign-in/",
            failures_since_start=1,
        )
    TOTPDevice.objects.create(user=busy, name="Authenticator app", confirmed=True)
    assert _queries(client, reverse("admin-user", args=[quiet.pk])) == _queries(
        client, reverse("admin-user", args=[busy.pk])
    )
    page = client.get(reverse("admin-user", args=[busy.pk])).content.decode()
    assert "Locked after repeated failed sign-ins" in page  # 6 failures from 6 addresses
