"""The earfit security policy pack: `pulumi preview --policy-pack infra/policy`."""

from pulumi_policy import EnforcementLevel, PolicyPack
from rules import POLICIES

PolicyPack(name="earfit-security", enforcement_level=EnforcementLevel.MANDATORY, policies=POLICIES)
