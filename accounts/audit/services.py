"""Writing the audit trail. `audit_event_record` is the one way a row gets in.

This module is what the accounts app offers other apps for auditing (an import contract keeps
them to it); the README's "Audit trail" shows a call. Call it inside the transaction that makes
the change, as its last write: the row commits or rolls back with the change, and the head lock
it takes is held only until that transaction ends.
"""

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.audit.chain import CHAIN_FIELDS, chain_head_lock, chain_rows, event_hash
from accounts.audit.models import ActorType, AuditAction, AuditEvent
from earfit.request_context import current_request_id

__all__ = [
    "AuditAction",
    "AuditActor",
    "audit_event_record",
    "audit_events_record_many",
    "audit_export_record",
    "audit_rehearsal",
]

# Keys that would put personal data or secrets into the trail. The payload says what happened
# (ids, versions, counts, field names), never the data itself.
FORBIDDEN_PAYLOAD_KEYS = frozenset(
    {"answers", "token", "access_token", "password", "image", "photo", "bytes_b64", "comment", "email", "ip_address"}
)
MAX_PAYLOAD_CHARS = 4096

_rehearsing: ContextVar[bool] = ContextVar("audit_rehearsing", default=False)


@dataclass(frozen=True)
class AuditActor:
    """Who did it: a signed-in user, the shopper holding a fitting, a system job, or nobody known."""

    type: str
    id: str = ""
    label: str = ""

    @classmethod
    def for_user(cls, user: Any) -> "AuditActor":
        """A staff member or signed-in user: their id and username (staff identity is what an audit is for)."""
        return cls(ActorType.USER, str(user.pk), user.get_username())

    @classmethod
    def for_fitting(cls, fitting_id: Any) -> "AuditActor":
        """An anonymous shopper, known only by the fitting they hold the token for."""
        return cls(ActorType.FITTING, str(fitting_id))

    @classmethod
    def system(cls, job_name: str) -> "AuditActor":
        """A command or scheduled task, e.g. `AuditActor.system("purge_expired_photos")`."""
        return cls(ActorType.SYSTEM, job_name)

    @classmethod
    def anonymous(cls) -> "AuditActor":
        return cls(ActorType.ANONYMOUS)


def _check_keys(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower() in FORBIDDEN_PAYLOAD_KEYS:
                raise ValueError(f"audit payload must not carry {key!r}: record what happened, not the data")
            _check_keys(item)
    elif isinstance(value, list):
        for item in value:
            _check_keys(item)


def _clean_payload(payload: dict[str, Any] | None) -> dict[str, Any]:
    """The payload as it will read back from the database (JSON types only), or ValueError."""
    text = json.dumps(payload or {}, sort_keys=True)  # TypeError on anything that is not JSON
    if len(text) > MAX_PAYLOAD_CHARS:
        raise ValueError(f"audit payload is {len(text)} characters; keep it under {MAX_PAYLOAD_CHARS}")
    cleaned: dict[str, Any] = json.loads(text)
    _check_keys(cleaned)
    return cleaned


@contextmanager
def audit_rehearsal() -> Iterator[None]:
    """A rehearsal of a change (a dry run): one transaction that is always rolled back, and inside
    it audit events are checked like any other but neither written nor chained.

    What is never kept needs no place in the chain, and taking the chain's head for a rehearsal
    would hold every other writer (each request that audits) behind it for the rehearsal's whole
    length: a dry run of a large import measures thousands of photos. The rollback is the
    rehearsal's own, so nothing written inside it can outlive it without its events.
    """
    token = _rehearsing.set(True)
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        _rehearsing.reset(token)


def _event_fields(
    *, actor: AuditActor, action: str, object_type: str, payload: dict[str, Any] | None, request_id: str | None
) -> dict[str, Any]:
    """The fields every event shares, checked; only inside the transaction that makes the change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit events must be recorded inside the transaction that makes the change")
    return {
        "actor_type": ActorType(actor.type).value,
        "actor_id": actor.id,
        "actor_label": actor.label,
        "action": AuditAction(action).value,
        "object_type": object_type,
        "request_id": request_id or current_request_id.get() or "",
        "payload": _clean_payload(payload),
    }


def audit_event_record(
    *,
    actor: AuditActor,
    action: str,
    object_type: str,
    object_id: str,
    payload: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's `transaction.atomic` (RuntimeError outside one).

    `request_id` defaults to the current request's (set by `RequestIdMiddleware`). `payload` is a
    small JSON object of facts without personal data; ValueError for forbidden keys or > 4 KiB.
    """
    fields = _event_fields(actor=actor, action=action, object_type=object_type, payload=payload, request_id=request_id)
    fields["object_id"] = str(object_id)
    if _rehearsing.get():
        return AuditEvent(**fields)  # checked, never written (audit_rehearsal)
    head_seq, head_hash = chain_head_lock()
    # The time is taken under the lock, so time order and chain order agree.
    fields.update(occurred_at=timezone.now(), prev_hash=head_hash)
    event = AuditEvent(seq=head_seq + 1, hash=event_hash({name: fields[name] for name in CHAIN_FIELDS}), **fields)
    event.save(force_insert=True)
    return event


def audit_events_record_many(
    *,
    actor: AuditActor,
    action: str,
    object_type: str,
    object_ids: Sequence[str],
    payload: dict[str, Any] | None = None,
) -> int:
    """One event per object for a bulk change (e.g. a purge batch): one head lock, one insert.

    Same rules as `audit_event_record`: inside the caller's transaction, facts only. Returns how
    many events were appended.
    """
    common = _event_fields(actor=actor, action=action, object_type=object_type, payload=payload, request_id=None)
    if not object_ids:
        return 0
    if _rehearsing.get():
        return len(object_ids)  # checked, never written (audit_rehearsal)
    head = chain_head_lock()
    common["occurred_at"] = timezone.now()
    rows = list(chain_rows(({**common, "object_id": str(object_id)} for object_id in object_ids), after=head))
    _insert_rows(rows, varying=("seq", "object_id", "prev_hash", "hash"))
    return len(rows)


def _insert_rows(rows: list[dict[str, Any]], *, varying: tuple[str, ...]) -> None:
    """Insert rows that share every field but `varying` in one statement, under the head lock.

    Not `bulk_create`, which prepares every field of every row and binds one parameter per value
    while the chain's head stays locked (the README's audit section has the timings). The shared
    values are prepared once; the varying ones go to PostgreSQL as one array per column
    (`unnest`), and to SQLite, whose parameters cost nothing to bind, through `executemany`.
    """
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    fields = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]
    shared = {
        field.attname: field.get_db_prep_save(rows[0][field.attname], connection)
        for field in fields
        if field.attname not in varying
    }
    insert = "INSERT INTO {} ({}) ".format(
        quote(AuditEvent._meta.db_table), ", ".join(quote(field.column) for field in fields)
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            by_name = {field.attname: field for field in fields}
            columns = [f"unnest({quote(name)})" if name in varying else "%s" for name in (f.attname for f in fields)]
            arrays = [f"%s::{by_name[name].db_type(connection)}[] AS {quote(name)}" for name in varying]
            params = [[row[name] for row in rows] for name in varying]
            # Names and types come from the model; every value is a parameter.
            select = "SELECT {} FROM (SELECT {}) AS batch".format(", ".join(columns), ", ".join(arrays))  # noqa: S608  # nosec B608
            shared_params = [shared[f.attname] for f in fields if f.attname not in varying]
            cursor.execute(insert + select, [*shared_params, *params])
        else:
            values = "VALUES ({})".format(", ".join(["%s"] * len(fields)))
            cursor.executemany(
                insert + values,
                [tuple(row[f.attname] if f.attname in varying else shared[f.attname] for f in fields) for row in rows],
            )


def audit_export_record(*, actor: AuditActor, via: str, filters: dict[str, Any]) -> AuditEvent:
    """Record that someone exported the trail, committed before the export streams.

    A stream's row count is not known up front, so the event records the filter that was asked for.
    """
    with transaction.atomic():
        return audit_event_record(
            actor=actor,
            action=AuditAction.AUDIT_EXPORTED,
            object_type="audit_trail",
            object_id="",
            payload={"via": via, "filters": filters},
        )
