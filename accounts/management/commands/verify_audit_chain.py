"""Check that the audit trail is whole: every row matches its hash and links to the one before.

Reports the first broken row (edited, deleted, reordered, inserted) and exits 1; exits 0 and prints
the head (seq and hash) when the chain holds. Keep that head somewhere the database's
administrators cannot write and pass it back with `--expect-head` next time: a plain hash chain
cannot by itself show that its last rows were cut off or its tail rewritten. `--since/--until`
check only the rows in a time range (linked to the row just before it).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Max, Min
from django.utils.dateparse import parse_datetime

from accounts.audit.chain import chain_verify
from accounts.audit.models import AuditEvent


def _time(value: str | None) -> Any:
    if value is None:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise CommandError(f"not an ISO 8601 time: {value!r}")
    return parsed


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit 1 at the first broken row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="Only rows at or after this time (ISO 8601).")
        parser.add_argument("--until", help="Only rows before this time (ISO 8601).")
        parser.add_argument("--expect-head", metavar="SEQ:HASH", help="Fail unless row SEQ still has this hash.")

    def handle(self, *args: Any, **options: Any) -> None:
        since, until = _time(options["since"]), _time(options["until"])
        first_seq = last_seq = None
        if since is not None or until is not None:
            rows = AuditEvent.objects.all()
            rows = rows.filter(occurred_at__gte=since) if since else rows
            rows = rows.filter(occurred_at__lt=until) if until else rows
            bounds = rows.aggregate(first=Min("seq"), last=Max("seq"))
            if bounds["first"] is None:
                self.stdout.write("No audit rows in that range.")
                return
            first_seq, last_seq = bounds["first"], bounds["last"]
        result = chain_verify(first_seq=first_seq, last_seq=last_seq)
        if not result.ok:
            raise CommandError(f"audit chain {result.summary()}", returncode=1)
        if options["expect_head"]:
            seq, _, expected = options["expect_head"].partition(":")
            found = AuditEvent.objects.filter(seq=int(seq)).values_list("hash", flat=True).first()
            if found != expected:
                raise CommandError(f"audit chain head seq {seq} is gone or changed (hash {found})", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"audit chain {result.summary()}"))
