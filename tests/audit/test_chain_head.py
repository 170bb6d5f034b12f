"""The chain's head, kept outside the database, shows what the chain alone cannot (SPEC A7,
decision 0017): the newest events removed, or the whole log emptied and written afresh."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from access.models import UserGroup
from audit import chain
from audit.models import AuditEvent
from audit.services import record_event


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


def _write(officer, count: int, purpose: str = "checking for repeat victims") -> list:
    return [
        record_event(
            AuditEvent.Type.SEARCH,
            actor=officer,
            target=("incident", f"ASB-2026-{n:06d}"),
            justification=purpose,
        )
        for n in range(count)
    ]


def _remove(events) -> None:
    """Remove events behind the application's back, as someone with database access could
    (on PostgreSQL only with the triggers switched off, which takes a superuser)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        marks = ", ".join("%s" for _ in events)
        cursor.execute(
            f"DELETE FROM audit_auditevent WHERE id IN ({marks})",  # noqa: S608 - marks only
            [event.pk for event in events],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def _verify(**options) -> str:
    out = StringIO()
    call_command("verify_audit_chain", stdout=out, **options)
    return out.getvalue()


def test_the_command_prints_the_head_to_keep(officer):
    events = _write(officer, 3)
    output = _verify()
    assert f"Head: 3:{events[-1].row_hash}" in output


def test_removing_the_newest_events_goes_unseen_by_the_chain_alone(officer):
    """Why the head is needed: what is left is a perfectly good, shorter chain."""
    events = _write(officer, 5)
    _remove(events[3:])
    assert "Audit chain intact: 3 events" in _verify()


def test_a_saved_head_shows_the_newest_events_were_removed(officer, tmp_path):
    events = _write(officer, 5)
    head_file = tmp_path / "audit-head"
    assert "Head saved to" in _verify(save_head=str(head_file))
    assert head_file.read_text() == f"5:{events[-1].row_hash}\n"

    _remove(events[3:])

    with pytest.raises(CommandError) as failure:
        _verify(expect_head=str(head_file))
    message = str(failure.value)
    assert "broken at event 4:" in message
    assert "held 5 events when its head was saved and now holds 3" in message
    assert "newest events were removed" in message


def test_a_head_given_on_the_command_line_shows_it_too(officer):
    events = _write(officer, 4)
    head = f"4:{events[-1].row_hash}"
    _remove(events[-1:])
    with pytest.raises(CommandError, match="newest events were removed"):
        _verify(head=head)


def test_a_log_emptied_and_written_afresh_does_not_hold_the_saved_head(officer):
    """Remove everything and write as many new events again: the chain is intact, numbered
    from 1, but its event 4 is not the one whose hash was kept."""
    events = _write(officer, 4)
    head = str(chain.verify().head)
    _remove(events)
    _write(officer, 6, purpose="nothing happened here")
    assert "Audit chain intact: 6 events" in _verify()

    with pytest.raises(CommandError) as failure:
        _verify(head=head)
    assert "broken at event 4:" in str(failure.value)
    assert "not the event saved as the head" in str(failure.value)


def test_a_log_that_grew_since_the_head_was_saved_still_holds_it(officer, tmp_path):
    _write(officer, 3)
    head_file = tmp_path / "audit-head"
    _verify(save_head=str(head_file))
    newer = _write(officer, 2)

    output = _verify(expect_head=str(head_file), save_head=str(head_file))

    assert "It still holds the saved head, event 3." in output
    assert head_file.read_text() == f"5:{newer[-1].row_hash}\n"


def test_the_head_of_an_empty_log(db, tmp_path):
    head_file = tmp_path / "audit-head"
    _verify(save_head=str(head_file))
    assert head_file.read_text() == f"0:{chain.GENESIS}\n"
    assert "It still holds the saved head, event 0." in _verify(expect_head=str(head_file))


@pytest.mark.parametrize(
    "given",
    ["", "5", "5:abc", f"five:{'a' * 64}", f"5:{'g' * 64}", f"-1:{'a' * 64}"],
)
def test_a_malformed_head_is_refused_saying_what_a_head_is(db, given):
    with pytest.raises(CommandError, match="is not a head: expected the event number"):
        _verify(head=given)


def test_a_missing_head_file_is_refused_clearly(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read the saved head from"):
        _verify(expect_head=str(tmp_path / "no-such-file"))


def test_nothing_is_saved_when_the_log_is_broken(officer, tmp_path):
    events = _write(officer, 3)
    _remove(events[1:2])
    head_file = tmp_path / "audit-head"
    with pytest.raises(CommandError, match="broken at event 3"):
        _verify(save_head=str(head_file))
    assert not head_file.exists()
