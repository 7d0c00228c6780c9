"""The earfit security policy pack: `pulumi preview --policy-pack infra/policy`."""

from pulumi_policy import EnforcementLevel, PolicyPack
from rules import POLICIES  # type: ignore[import-not-found]  # the pack runs with policy/ on its path

PolicyPack(name="earfit-security", enforcement_level=EnforcementLevel.MANDATORY, policies=POLICIES)
