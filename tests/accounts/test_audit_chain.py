"""The chain shows tampering at the right row, and stays linear under concurrent writers."""

import hashlib
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from accounts.audit.chain import CHAIN_FIELDS, chain_verify, event_hash
from accounts.audit.models import AuditAction, AuditEvent
from accounts.audit.services import AuditActor, audit_event_record, audit_events_record_many
from tests.accounts.audit_helpers import append_only_trigger_disabled, audit_rows_load

pytestmark = pytest.mark.django_db
ROWS = 10_000


def test_an_untouched_chain_of_ten_thousand_rows_verifies() -> None:
    audit_rows_load(ROWS)
    result = chain_verify()
    assert result.ok, result.summary()
    assert (result.checked, result.first_seq, result.last_seq) == (ROWS, 1, ROWS)


def test_a_bulk_append_between_single_events_stores_exactly_what_it_hashed() -> None:
    """The bulk writer inserts in one statement, not through the ORM: the rows must read back whole."""
    payload = {"reason": "expired", "note": "ü — 'quoted'", "nested": {"n": 1}}
    with transaction.atomic():
        audit_event_record(actor=AuditActor.system("test"), action=AuditAction.PURGE_RUN, object_type="t", object_id="")
        appended = audit_events_record_many(
            actor=AuditActor.system("purge_expired_photos"),
            action=AuditAction.PHOTO_PURGED,
            object_type="ear_photo",
            object_ids=[f"photo-{i}" for i in range(2500)],
            payload=payload,
        )
        audit_event_record(actor=AuditActor.system("test"), action=AuditAction.PURGE_RUN, object_type="t", object_id="")
    assert appended == 2500
    result = chain_verify()
    assert result.ok, result.summary()
    assert (result.checked, result.last_seq) == (2502, 2502)
    bulk = list(AuditEvent.objects.filter(action=AuditAction.PHOTO_PURGED).order_by("seq"))
    assert [e.seq for e in bulk] == list(range(2, 2502))
    assert [e.object_id for e in bulk] == [f"photo-{i}" for i in range(2500)]
    assert {(e.actor_type, e.actor_id, e.object_type, e.occurred_at) for e in bulk} == {
        ("system", "purge_expired_photos", "ear_photo", bulk[0].occurred_at)
    }
    assert all(e.payload == payload for e in bulk)
    assert all(e.hash == event_hash({name: getattr(e, name) for name in CHAIN_FIELDS}) for e in bulk)


def test_a_row_edited_with_raw_sql_is_found_at_that_row() -> None:
    audit_rows_load(ROWS)
    with append_only_trigger_disabled() as cursor:
        cursor.execute("UPDATE accounts_auditevent SET object_id = 'forged' WHERE seq = 5000")
    broken = chain_verify().broken
    assert broken is not None
    assert (broken.seq, broken.kind) == (5000, "edited")


def test_a_row_deleted_with_raw_sql_is_found_at_its_seq() -> None:
    audit_rows_load(ROWS)
    with append_only_trigger_disabled() as cursor:
        cursor.execute("DELETE FROM accounts_auditevent WHERE seq = 5000")
    broken = chain_verify().broken
    assert broken is not None
    assert (broken.seq, broken.kind) == (5000, "deleted")


def test_two_rows_swapped_with_raw_sql_are_found_where_the_order_breaks() -> None:
    audit_rows_load(ROWS)
    with append_only_trigger_disabled() as cursor:
        cursor.execute("UPDATE accounts_auditevent SET seq = -1 WHERE seq = 5000")
        cursor.execute("UPDATE accounts_auditevent SET seq = 5000 WHERE seq = 5001")
        cursor.execute("UPDATE accounts_auditevent SET seq = 5001 WHERE seq = -1")
    broken = chain_verify().broken
    assert broken is not None
    assert (broken.seq, broken.kind) == (5000, "reordered")


def test_a_row_inserted_in_the_middle_is_found_at_the_inserted_row() -> None:
    audit_rows_load(ROWS)
    with append_only_trigger_disabled() as cursor:
        # Make room at seq 5000 (in two steps, so the unique seq never collides), then forge a row there.
        cursor.execute("UPDATE accounts_auditevent SET seq = seq + 1000000 WHERE seq >= 5000")
        cursor.execute("UPDATE accounts_auditevent SET seq = seq - 999999 WHERE seq >= 1000000")
    template = AuditEvent.objects.get(seq=4999)
    forged = {name: getattr(template, name) for name in CHAIN_FIELDS}
    forged.update(object_id="forged", prev_hash=hashlib.sha256(b"no such row").hexdigest())
    AuditEvent.objects.create(seq=5000, hash=event_hash(forged), **forged)
    broken = chain_verify().broken
    assert broken is not None
    assert (broken.seq, broken.kind) == (5000, "inserted")


def test_verify_command_exits_1_naming_the_first_broken_row(capsys: pytest.CaptureFixture[str]) -> None:
    audit_rows_load(100)
    call_command("verify_audit_chain")
    assert "OK: 100 rows" in capsys.readouterr().out
    with append_only_trigger_disabled() as cursor:
        cursor.execute("UPDATE accounts_auditevent SET payload = '{\"n\": -1}' WHERE seq = 42")
    with pytest.raises(CommandError, match=r"BROKEN at seq 42 \(edited\)") as raised:
        call_command("verify_audit_chain")
    assert raised.value.returncode == 1


def test_verify_command_checks_the_kept_head_and_a_time_range(capsys: pytest.CaptureFixture[str]) -> None:
    audit_rows_load(10)
    head = AuditEvent.objects.get(seq=10)
    call_command("verify_audit_chain", expect_head=f"10:{head.hash}")
    since = AuditEvent.objects.get(seq=4).occurred_at.isoformat()
    call_command("verify_audit_chain", since=since)
    assert "OK: 7 rows, seq 4..10" in capsys.readouterr().out
    with pytest.raises(CommandError, match="head seq 11 is gone"):
        call_command("verify_audit_chain", expect_head=f"11:{head.hash}")


@pytest.mark.postgresql
def test_postgresql_refuses_truncate_unless_the_session_allows_it() -> None:
    audit_rows_load(3)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL earfit.audit_truncate = ''")  # as any session that did not ask
        with pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"), transaction.atomic():
            cursor.execute("TRUNCATE accounts_auditevent")
    assert AuditEvent.objects.count() == 3


@pytest.mark.postgresql
def test_postgresql_refuses_update_and_delete_of_audit_rows() -> None:
    with transaction.atomic():
        event = audit_event_record(
            actor=AuditActor.system("test"), action=AuditAction.PURGE_RUN, object_type="job", object_id="1"
        )
    with pytest.raises(DatabaseError, match="append-only: UPDATE refused"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(object_id="changed")
    with (
        pytest.raises(DatabaseError, match="append-only: DELETE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM accounts_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).object_id == "1"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the seeded data for later tests
def test_eight_concurrent_writers_leave_one_valid_chain() -> None:
    writers, per_writer = 8, 25
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(number: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    audit_event_record(
                        actor=AuditActor.system(f"writer-{number}"),
                        action=AuditAction.PURGE_RUN,
                        object_type="job",
                        object_id=str(i),
                    )
        except BaseException as error:  # noqa: BLE001 -- reported to the main thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    result = chain_verify()
    assert result.ok, result.summary()
    assert (result.checked, result.last_seq) == (writers * per_writer, writers * per_writer)
    assert AuditEvent.objects.values("actor_id").distinct().count() == writers
