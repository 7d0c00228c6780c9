"""Erase one fitting's personal data on a request the shopper cannot make through the API.

A shopper erases their own fitting with its access token (`DELETE /api/v1/fittings/{id}`). Two
kinds of shopper cannot: one whose fitting came from the legacy system (`import_legacy` imports
neither a token nor contact data, while the legacy consent promised erasure at any time) and one
who has lost the token. Their request reaches support; once support has verified it (who is
asking, and which fitting is theirs: the legacy system's questionnaire reference, or the fitting
id the client showed), an operator runs

    manage.py erase_fitting FITTING_ID --request TICKET
    manage.py erase_fitting --legacy-questionnaire LEGACY_ID --request TICKET

It is the API's erasure (`fitting_erase`: photos with every stored object version, answers,
recommendations, feedback; the emptied row and the consent record stay), audited as
`fitting.erased` by the system job `erase_fitting` with the request's reference, a ticket number:
never the requester's name or address, so the reference must look like one. Idempotent: a fitting
already erased is reported as such and not audited again. Exits non-zero, with nothing changed,
when the fitting is unknown or the photo storage does not answer.
"""

import argparse
import re
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.audit.services import AuditActor
from earfit.exceptions import DependencyUnavailable
from recommendations.fittings.services import fitting_erase
from recommendations.legacy.selectors import legacy_targets
from recommendations.models import Fitting, FittingStatus, LegacyRecordKind

JOB = "erase_fitting"
# A ticket reference, not a person: letters, digits and . _ : / - only (no spaces, no @).
_REFERENCE = re.compile(r"^[A-Za-z0-9._:/-]{1,64}$")


def request_reference(value: str) -> str:
    if not _REFERENCE.match(value):
        # ArgumentTypeError: argparse shows this sentence only, not the value (which may name a person).
        raise argparse.ArgumentTypeError(
            "a ticket reference: up to 64 letters, digits and . _ : / - (no names or addresses)"
        )
    return value


class Command(BaseCommand):
    help = "Erase one fitting's personal data on a verified request (a legacy shopper's, or a lost token's)."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("fitting", nargs="?", help="The fitting's id (a UUID).")
        which.add_argument(
            "--legacy-questionnaire", metavar="LEGACY_ID", help="The legacy questionnaire id the fitting came from."
        )
        parser.add_argument(
            "--request", required=True, type=request_reference, help="The request's ticket reference (audited)."
        )

    def handle(
        self, *args: Any, fitting: str | None, legacy_questionnaire: str | None, request: str, **options: Any
    ) -> None:
        target = self._fitting(fitting, legacy_questionnaire)
        if target.status == FittingStatus.ERASED:
            self.stdout.write(f"erase_fitting: fitting {target.pk} was already erased on {target.erased_at:%Y-%m-%d}")
            return
        photos = target.photos.count()
        try:
            fitting_erase(fitting=target, actor=AuditActor.system(JOB), request_reference=request)
        except DependencyUnavailable as exc:
            raise CommandError(f"erase_fitting failed, nothing erased: {exc.dependency} unavailable ({exc})") from exc
        self.stdout.write(f"erase_fitting: erased fitting {target.pk} ({photos} photo(s)) for request {request}")

    def _fitting(self, fitting_id: str | None, legacy_id: str | None) -> Fitting:
        if legacy_id is not None:
            found = legacy_targets(kind=LegacyRecordKind.QUESTIONNAIRE, legacy_ids=[legacy_id])
            if legacy_id not in found:
                raise CommandError(f"no legacy questionnaire {legacy_id!r} was imported")
            fitting_id = found[legacy_id]
        try:
            pk = uuid.UUID(str(fitting_id))
        except ValueError as exc:
            raise CommandError(f"not a fitting id: {fitting_id!r}") from exc
        try:
            return Fitting.objects.get(pk=pk)
        except Fitting.DoesNotExist as exc:
            raise CommandError(f"no fitting {pk}") from exc
