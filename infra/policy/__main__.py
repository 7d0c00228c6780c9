"""The earfit security policy pack: `pulumi preview --policy-pack infra/policy`."""

import sys
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack

# The pack runs with policy/ on its path; the rules also read infra/contract.py.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rules import POLICIES  # type: ignore[import-not-found]

PolicyPack(name="earfit-security", enforcement_level=EnforcementLevel.MANDATORY, policies=POLICIES)
