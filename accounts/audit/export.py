"""The CSV export: streamed row by row, formula cells escaped, the chain verified for the range.

Memory stays flat whatever the size: rows come from a server-side cursor (`.iterator()`) as
tuples, each is written and yielded at once, and verification walks the same range the same way.
The first line says what the file is and that times are UTC; the last says whether the chain
holds over the exported range (seq of the first to the last row exported, including any rows
between them that the filter left out), and the head hash to keep as an anchor.
"""

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from accounts.audit.chain import CHAIN_FIELDS, ChainWalker, canonical_time, chain_verify
from accounts.audit.models import AuditEvent
from earfit.csv_safety import csv_safe

COLUMNS = ("seq", *CHAIN_FIELDS, "hash")  # the chain fields in the middle, so a row can be re-hashed from its cells


class _Line:
    """A file-like that hands back what csv.writer writes, so each row is yielded, not buffered."""

    def write(self, value: str) -> str:
        return value


ROWS_PER_CHUNK = 200  # rows joined into one piece of the stream: fewer, larger writes; memory still flat


def _cells(row: tuple[Any, ...]) -> list[Any]:
    seq, occurred_at, *texts, payload, prev_hash, event_hash = row
    payload_text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return [
        seq,
        canonical_time(occurred_at),
        *(csv_safe(t) for t in texts),
        csv_safe(payload_text),
        prev_hash,
        event_hash,
    ]


def audit_csv_lines(*, events: QuerySet[AuditEvent], generated_at: datetime, filters: dict[str, Any]) -> Iterator[str]:
    """Yield the export piece by piece: a header comment, the column names, the rows, the verification line.

    While the exported rows follow each other without gaps, they are verified as they stream;
    if the filter left rows out, the range is verified afterwards in a second walk.
    """
    writer = csv.writer(_Line())
    filter_text = json.dumps(filters, sort_keys=True, ensure_ascii=False)
    # Comment lines are one quoted cell each, so nothing in a filter value can open a cell of its own.
    yield writer.writerow(
        [
            f"# earfit audit trail export; times are UTC (ISO 8601); generated {canonical_time(generated_at)}; filters {filter_text}"
        ]
    )
    yield writer.writerow(COLUMNS)
    walker: ChainWalker | None = None
    inline = True  # verifying as we go, until the export skips a row
    first_seq = last_seq = None
    piece: list[str] = []
    for row in events.order_by("seq").values_list(*COLUMNS).iterator(chunk_size=2000):
        seq = row[0]
        if walker is None:
            first_seq, walker = seq, ChainWalker(seq)
        if inline and walker.broken is None:
            if seq == walker.expected_seq:
                walker.step(seq, _chain_fields(row), row[-1])
            else:
                inline = False  # rows left out (or missing): walk the whole range afterwards
        last_seq = seq
        piece.append(writer.writerow(_cells(row)))
        if len(piece) == ROWS_PER_CHUNK:
            yield "".join(piece)
            piece = []
    if piece:
        yield "".join(piece)
    if walker is None:
        yield writer.writerow(["# chain verification: no rows exported"])
        return
    result = walker.result() if inline else chain_verify(first_seq=first_seq, last_seq=last_seq)
    yield writer.writerow([f"# chain verification for seq {first_seq}..{last_seq}: {result.summary()}"])


def _chain_fields(row: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(CHAIN_FIELDS, row[1:-1], strict=True))
