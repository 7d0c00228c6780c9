"""The reconciliation report of one `import_legacy` run: what came in, what became of it, checksums.

For every kind of legacy row: read = imported + linked + already imported + skipped (by reason).
`balanced` says whether that holds for every kind; the command exits non-zero when it does not.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

KINDS = ("product", "questionnaire", "recommendation", "photo")


@dataclass
class KindCounts:
    read: int = 0
    imported: int = 0
    linked: int = 0  # products already in earfit's catalog (same brand and model), linked, not changed
    already_imported: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def accounted(self) -> int:
        return self.imported + self.linked + self.already_imported + sum(self.skipped.values())

    @property
    def balanced(self) -> bool:
        return self.read == self.accounted

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "imported": self.imported,
            "linked": self.linked,
            "already_imported": self.already_imported,
            "skipped": dict(sorted(self.skipped.items())),
            "balanced": self.balanced,
        }


@dataclass
class LegacyImportReport:
    exported_at: str
    dry_run: bool
    counts: dict[str, KindCounts] = field(default_factory=lambda: {kind: KindCounts() for kind in KINDS})
    # Per kind: `source` over the legacy rows (and photo files) imported, `rows` over what the
    # database holds for them now; `objects` over the photo objects read back from storage.
    checksums: dict[str, dict[str, str]] = field(default_factory=dict)
    objects_verified: int = 0
    objects_missing: list[str] = field(default_factory=list)
    retention_days: int = 0
    seconds: float = 0.0

    @property
    def balanced(self) -> bool:
        return all(counts.balanced for counts in self.counts.values()) and not self.objects_missing

    def skip(self, kind: str, reason: str) -> None:
        self.counts[kind].skipped[reason] += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "exported_at": self.exported_at,
            "dry_run": self.dry_run,
            "retention_days": self.retention_days,
            "counts": {kind: counts.as_dict() for kind, counts in self.counts.items()},
            "checksums": self.checksums,
            "objects_verified": self.objects_verified,
            "objects_missing": self.objects_missing,
            "balanced": self.balanced,
            "seconds": round(self.seconds, 1),
        }

    def as_audit_payload(self) -> dict[str, Any]:
        """Counts and checksums only (the audit payload's 4 KiB holds them; the missing keys do not).

        Keyed by plural kinds ("photos"): the trail refuses a payload key that names personal data.
        """
        return {
            "exported_at": self.exported_at,
            "counts": {
                f"{kind}s": {"read": c.read, "imported": c.imported + c.linked, "skipped": sum(c.skipped.values())}
                for kind, c in self.counts.items()
            },
            "checksums": {f"{kind}s": sums for kind, sums in self.checksums.items()},
            "objects_verified": self.objects_verified,
            "objects_missing": len(self.objects_missing),
        }

    def lines(self) -> list[str]:
        """The report for people: one block per kind, then the checksums and the verdict."""
        title = "would import" if self.dry_run else "imported"
        out = [f"legacy export of {self.exported_at or 'unknown date'} ({'dry run' if self.dry_run else 'import'})"]
        for kind, c in self.counts.items():
            out.append(
                f"  {kind + 's':<16} read {c.read:>6}  {title} {c.imported:>6}  linked {c.linked:>4}  "
                f"already imported {c.already_imported:>6}  skipped {sum(c.skipped.values()):>6}"
                f"  {'ok' if c.balanced else 'DOES NOT RECONCILE'}"
            )
            for reason, number in sorted(c.skipped.items()):
                out.append(f"      skipped, {reason.replace('_', ' ')}: {number}")
        out.append(f"  photos are kept {self.retention_days} days after capture; older ones are never imported")
        for kind, sums in self.checksums.items():
            for name, value in sums.items():
                out.append(f"  sha256 {kind} {name}: {value}")
        if not self.dry_run:
            out.append(f"  photo objects read back and matched: {self.objects_verified}")
            for key in self.objects_missing[:20]:
                out.append(f"  MISSING OR ALTERED photo object: {key}")
        out.append(f"  {'reconciled' if self.balanced else 'NOT RECONCILED'} in {self.seconds:.1f} s")
        return out
