"""The hash chain: canonical form, the head lock, and verification.

Each row's `hash` is sha256 over a canonical JSON of its fields (`CHAIN_FIELDS`, which include
`prev_hash`), so a row cannot change without its hash changing, and no row can be removed, moved
or slipped in without breaking the link from the row after it. `seq` is deliberately not hashed:
the links, not the numbers, define the order, which lets verification tell a moved row (its
predecessor now sits later in the chain) from an inserted one (its successor links past it).

The hash is unkeyed on purpose: anyone holding an export can re-check it without a secret. What a
plain chain cannot show is a tail rewritten from some row on, or the last rows cut off; for that,
keep the head (`seq` and `hash`, printed by `verify_audit_chain` and at the end of every export)
somewhere the database's administrators cannot write, and compare (`--expect-head`).
"""

import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from accounts.audit.models import AuditEvent

GENESIS_HASH = "0" * 64
CHAIN_FIELDS = (
    "occurred_at",
    "actor_type",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "request_id",
    "payload",
    "prev_hash",
)
# Any fixed 64-bit number: the transaction-scoped PostgreSQL advisory lock that serialises writers.
HEAD_LOCK_KEY = 0x6561_7266_6974_0001


def canonical_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(fields: Mapping[str, Any]) -> str:
    """sha256 over sorted-key, whitespace-free JSON of `CHAIN_FIELDS`, times in UTC to the microsecond."""
    canonical = {name: fields[name] for name in CHAIN_FIELDS}
    canonical["occurred_at"] = canonical_time(fields["occurred_at"])
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def chain_rows(rows: Iterable[dict[str, Any]], *, after: tuple[int, str]) -> Iterator[dict[str, Any]]:
    """Number and hash rows (dicts of an event's fields) in order, continuing from `after` = (seq, hash).

    Sets each row's `seq`, `prev_hash` and `hash`: the one rule by which the chain is made.
    """
    seq, prev_hash = after
    for row in rows:
        seq += 1
        row["seq"], row["prev_hash"] = seq, prev_hash
        row["hash"] = prev_hash = event_hash(row)
        yield row


def chain_link(events: Iterable[AuditEvent], *, after: tuple[int, str]) -> Iterator[AuditEvent]:
    """`chain_rows` for unsaved model instances, one at a time.

    For bulk loads (benchmarks, test fixtures); live writes go through `audit_event_record`.
    """
    mine, theirs = itertools.tee(events)
    rows = chain_rows(({name: getattr(event, name) for name in CHAIN_FIELDS} for event in theirs), after=after)
    for event, row in zip(mine, rows, strict=True):
        event.seq, event.prev_hash, event.hash = row["seq"], row["prev_hash"], row["hash"]
        yield event


def chain_head() -> tuple[int, str]:
    """(seq, hash) of the last row, or (0, GENESIS_HASH) for an empty trail."""
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    return head if head is not None else (0, GENESIS_HASH)


def chain_head_lock() -> tuple[int, str]:
    """Take the head for appending, held until the caller's transaction ends.

    PostgreSQL: a transaction-scoped advisory lock, so concurrent writers queue and each sees the
    head its predecessor committed. SQLite serialises writers with its database lock. Either way
    the unique `seq` and `prev_hash` columns refuse a fork if anything slipped past.
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [HEAD_LOCK_KEY])
    return chain_head()


@dataclass(frozen=True)
class ChainBreak:
    """The first row where the chain does not hold.

    `kind`: edited (contents changed), deleted (a seq is missing), reordered (rows moved), inserted
    (a row that was never appended), relinked (a link rewritten; which side cannot be told).
    """

    seq: int
    kind: str
    message: str


@dataclass(frozen=True)
class ChainVerification:
    checked: int
    first_seq: int | None
    last_seq: int | None
    last_hash: str | None
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def summary(self) -> str:
        if self.broken is not None:
            return f"BROKEN at seq {self.broken.seq} ({self.broken.kind}): {self.broken.message}"
        if not self.checked:
            return "OK: no rows in range"
        return f"OK: {self.checked} rows, seq {self.first_seq}..{self.last_seq}, head hash {self.last_hash}"


def _start(first_seq: int | None) -> tuple[int, str | None]:
    """The seq and prev_hash the walk expects first; prev_hash None when the row before is missing."""
    if first_seq is None or first_seq <= 1:
        return 1, GENESIS_HASH
    before = AuditEvent.objects.filter(seq=first_seq - 1).values_list("hash", flat=True).first()
    return first_seq, before


def _link_break(seq: int, prev_hash: str, expected_prev: str) -> ChainBreak:
    """Row `seq` does not link to the row before it: find out where the row it names went."""
    target = AuditEvent.objects.filter(hash=prev_hash).values_list("seq", flat=True).first()
    if target is not None and target > seq:
        return ChainBreak(seq, "reordered", f"seq {seq} belongs after seq {target}: rows were moved")
    if target is not None:
        return ChainBreak(
            target + 1, "inserted", f"seq {seq} links to seq {target}: seq {target + 1}..{seq - 1} was inserted"
        )
    successor = AuditEvent.objects.filter(seq=seq + 1).values_list("prev_hash", flat=True).first()
    if successor == expected_prev:
        return ChainBreak(seq, "inserted", f"seq {seq} links to no row and seq {seq + 1} skips it: it was inserted")
    return ChainBreak(
        seq,
        "relinked",
        f"seq {seq} does not link to seq {seq - 1}: one of them was rewritten with a new hash, "
        "or rows were deleted and the later ones renumbered",
    )


class ChainWalker:
    """Checks rows fed to it in seq order, from `first_seq` on, and remembers the first break.

    Used by `chain_verify` and, when an export covers every row of its range, by the export
    itself, so such an export reads the table once.
    """

    def __init__(self, first_seq: int | None = None) -> None:
        self.expected_seq, self.expected_prev = _start(first_seq)
        self.checked = 0
        self.first_seq: int | None = None
        self.last_hash: str | None = None
        self.broken: ChainBreak | None = None

    def step(self, seq: int, fields: Mapping[str, Any], stored_hash: str) -> bool:
        """Check one row; False (and `broken` set) at the first row that does not hold."""
        if seq != self.expected_seq:
            self.broken = ChainBreak(
                self.expected_seq,
                "deleted",
                f"seq {self.expected_seq} is missing: seq {seq} follows seq {self.expected_seq - 1}",
            )
        elif event_hash(fields) != stored_hash:
            self.broken = ChainBreak(seq, "edited", f"seq {seq} does not match its hash: its contents were changed")
        elif self.expected_prev is None:
            self.broken = ChainBreak(seq - 1, "deleted", f"seq {seq - 1}, the row before the range, is missing")
        elif fields["prev_hash"] != self.expected_prev:
            self.broken = _link_break(seq, fields["prev_hash"], self.expected_prev)
        if self.broken is not None:
            return False
        self.first_seq = seq if self.first_seq is None else self.first_seq
        self.checked += 1
        self.expected_seq, self.expected_prev, self.last_hash = seq + 1, stored_hash, stored_hash
        return True

    def result(self) -> ChainVerification:
        return ChainVerification(
            checked=self.checked,
            first_seq=self.first_seq,
            last_seq=self.expected_seq - 1 if self.checked else None,
            last_hash=self.last_hash,
            broken=self.broken,
        )


def chain_verify(*, first_seq: int | None = None, last_seq: int | None = None) -> ChainVerification:
    """Walk the chain in order with constant memory and stop at the first broken row."""
    rows = AuditEvent.objects.order_by("seq")
    if first_seq is not None:
        rows = rows.filter(seq__gte=first_seq)
    if last_seq is not None:
        rows = rows.filter(seq__lte=last_seq)
    walker = ChainWalker(first_seq)
    for seq, *values, stored_hash in rows.values_list("seq", *CHAIN_FIELDS, "hash").iterator(chunk_size=5000):
        if not walker.step(seq, dict(zip(CHAIN_FIELDS, values, strict=True)), stored_hash):
            break
    return walker.result()
