"""The typed stack configuration, read and validated before any resource is declared.

Every per-stack value lives in the committed `Pulumi.<stack>.yaml`; the pipeline adds only
`earfit:imageTag` (the commit it built and pushed to the release repository), as
`pulumi preview|up --config earfit:imageTag=<commit sha>`. A stack whose configuration is wrong
stops here with one message naming every bad key, instead of half-way through a deployment.
"""

import re
from dataclasses import dataclass
from typing import Literal

import pulumi

from contract import app_photo_retention_days

NAMESPACE = "earfit"
Tier = Literal["dev", "staging", "prod"]
TIERS: tuple[Tier, ...] = ("dev", "staging", "prod")

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/[\w+=,.@/-]+$")
_CERT_ARN = re.compile(r"^arn:aws:acm:([a-z0-9-]+):(\d{12}):certificate/[0-9a-f-]+$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")  # ISO 3166-1 alpha-2, as CloudFront's geo restriction takes them
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CIDR_16 = re.compile(r"^10\.(\d{1,3})\.0\.0/16$")
_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
# <account>.dkr.ecr.<region>.amazonaws.com/<repository>: where the build plan pushes releases.
_RELEASE_REPOSITORY = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([a-z0-9]+(?:[._/-][a-z0-9]+)*)$")
MIN_LOG_RETENTION_DAYS = 365
# The retention periods CloudWatch Logs accepts, from a year up.
LOG_RETENTION_CHOICES = (365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
MIN_BACKUP_RETENTION_DAYS = 7


class StackConfigError(pulumi.RunError):
    """A stack configuration that must not be deployed; the message names each bad key."""

    def __init__(self, *, stack: str, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"stack '{stack}' has invalid configuration:\n{lines}")


@dataclass(frozen=True, kw_only=True)
class TaskSize:
    cpu: int  # Fargate CPU units (1024 = one vCPU)
    memory: int  # MiB


@dataclass(frozen=True, kw_only=True)
class StackConfig:
    stack: str
    project: str
    tier: Tier
    account_id: str
    region: str
    static_failover_region: str
    deploy_role_arn: str
    domain_name: str
    hosted_zone_id: str | None
    alb_certificate_arn: str
    cloudfront_certificate_arn: str
    alarm_email: str
    image_tag: str
    release_repository_url: str
    vpc_cidr: str
    nat_gateway_per_az: bool
    web: TaskSize
    web_min_tasks: int
    web_max_tasks: int
    worker: TaskSize
    worker_tasks: int
    beat: TaskSize
    migrate: TaskSize
    db_instance_class: str
    db_engine_version: str
    db_allocated_storage_gb: int
    db_max_allocated_storage_gb: int
    db_multi_az: bool
    db_deletion_protection: bool
    db_backup_retention_days: int
    db_restore_snapshot_id: str | None
    redis_node_type: str
    redis_nodes: int
    alb_deletion_protection: bool
    photo_retention_days: int
    log_retention_days: int
    audit_archive_retention_days: int
    audit_object_lock_mode: Literal["GOVERNANCE", "COMPLIANCE"]
    cloudfront_price_class: str
    viewer_countries: tuple[str, ...]
    waf_rate_limit: int
    waf_upload_rate_limit: int
    queue_depth_alarm_threshold: int
    tracing: bool

    @property
    def name(self) -> str:
        """The prefix of every physical name: `earfit-<stack>`."""
        return f"{self.project}-{self.stack}"

    @property
    def is_prod(self) -> bool:
        return self.tier == "prod"

    @property
    def release_registry(self) -> str:
        """The release repository's registry host, `<account>.dkr.ecr.<region>.amazonaws.com`."""
        return self.release_repository_url.split("/", 1)[0]

    @property
    def release_repository(self) -> str:
        """The release repository's name inside its registry."""
        return self.release_repository_url.split("/", 1)[1]

    @property
    def release_repository_arn(self) -> str:
        match = _RELEASE_REPOSITORY.match(self.release_repository_url)
        if match is None:  # refused by stack_config_load already
            raise ValueError(self.release_repository_url)
        account, region, name = match.groups()
        return f"arn:aws:ecr:{region}:{account}:repository/{name}"


class _Reader:
    """Reads `earfit:*` keys as strings (as the CLI stores them) and collects every problem."""

    def __init__(self, config: pulumi.Config) -> None:
        self.config = config
        self.problems: list[str] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{NAMESPACE}:{key}: {message}")

    def text(self, key: str, *, default: str | None = None, pattern: re.Pattern[str] | None = None) -> str:
        value = self.config.get(key)
        if value is None or value.strip() == "":
            if default is None:
                self.problem(key, "is required")
                return ""
            return default
        value = value.strip()
        if pattern is not None and not pattern.match(value):
            self.problem(key, f"'{value}' is not valid")
        return value

    def optional(self, key: str) -> str | None:
        value = self.config.get(key)
        return value.strip() if value and value.strip() else None

    def integer(self, key: str, *, default: int | None = None, minimum: int = 0) -> int:
        raw = self.config.get(key)
        if raw is None or raw.strip() == "":
            if default is None:
                self.problem(key, "is required")
                return minimum
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problem(key, f"'{raw}' is not a whole number")
            return minimum
        if value < minimum:
            self.problem(key, f"{value} is below the minimum of {minimum}")
        return value

    def boolean(self, key: str, *, default: bool | None = None) -> bool:
        raw = self.config.get(key)
        if raw is None or raw.strip() == "":
            if default is None:
                self.problem(key, "is required")
                return False
            return default
        if raw.strip().lower() not in ("true", "false"):
            self.problem(key, f"'{raw}' is not true or false")
            return False
        return raw.strip().lower() == "true"

    def countries(self, key: str) -> tuple[str, ...]:
        """A comma-separated list of ISO 3166-1 alpha-2 country codes, at least one."""
        codes = tuple(code.strip() for code in self.text(key).split(",") if code.strip())
        if not codes and self.config.get(key) is not None:
            self.problem(key, "names no country")
        wrong = [code for code in codes if not _COUNTRY.match(code)]
        if wrong:
            self.problem(key, f"{', '.join(wrong)} is not an ISO 3166-1 alpha-2 country code")
        return codes

    def size(self, prefix: str, *, cpu: int, memory: int) -> TaskSize:
        return TaskSize(
            cpu=self.integer(f"{prefix}Cpu", default=cpu, minimum=256),
            memory=self.integer(f"{prefix}Memory", default=memory, minimum=512),
        )


def stack_config_load() -> StackConfig:
    """Reads the current stack's `earfit:*` configuration; raises StackConfigError naming every bad key."""
    stack = pulumi.get_stack()
    read = _Reader(pulumi.Config(NAMESPACE))

    tier = read.text("tier")
    if tier and tier not in TIERS:
        read.problem("tier", f"'{tier}' is not one of {', '.join(TIERS)}")
    account_id = read.text("accountId", pattern=_ACCOUNT_ID)
    region = read.text("region", pattern=_REGION)
    static_failover_region = read.text("staticFailoverRegion", pattern=_REGION)
    if static_failover_region and static_failover_region == region:
        read.problem(
            "staticFailoverRegion", f"{static_failover_region} is the stack's own region; a failover needs another"
        )
    deploy_role_arn = read.text("deployRoleArn", pattern=_ROLE_ARN)
    alb_certificate_arn = read.text("albCertificateArn", pattern=_CERT_ARN)
    cloudfront_certificate_arn = read.text("cloudfrontCertificateArn", pattern=_CERT_ARN)

    # Multi-account deployment: the role and both certificates belong to the account this stack
    # names, so a stack file copied from another environment cannot deploy into the wrong one.
    role = _ROLE_ARN.match(deploy_role_arn)
    if role and _ACCOUNT_ID.match(account_id) and role.group(1) != account_id:
        read.problem("accountId", f"{account_id} is not the account of earfit:deployRoleArn ({role.group(1)})")
    for key, arn, expected_region in (
        ("albCertificateArn", alb_certificate_arn, region),
        ("cloudfrontCertificateArn", cloudfront_certificate_arn, "us-east-1"),
    ):
        cert = _CERT_ARN.match(arn)
        if not cert:
            continue
        if expected_region and cert.group(1) != expected_region:
            read.problem(key, f"the certificate is in {cert.group(1)}, it must be in {expected_region}")
        if _ACCOUNT_ID.match(account_id) and cert.group(2) != account_id:
            read.problem("accountId", f"{account_id} is not the account of earfit:{key} ({cert.group(2)})")

    photo_retention_days = read.integer("photoRetentionDays", minimum=1)
    app_days = app_photo_retention_days()
    if photo_retention_days != app_days:
        read.problem(
            "photoRetentionDays",
            f"{photo_retention_days} differs from the application's {app_days} days (earfit/retention.py)",
        )

    db_multi_az = read.boolean("dbMultiAz")
    db_deletion_protection = read.boolean("dbDeletionProtection")
    alb_deletion_protection = read.boolean("albDeletionProtection")
    redis_nodes = read.integer("redisNodes", default=1, minimum=1)
    web_min_tasks = read.integer("webMinTasks", default=2, minimum=1)
    web_max_tasks = read.integer("webMaxTasks", default=20, minimum=1)
    if web_max_tasks < web_min_tasks:
        read.problem("webMaxTasks", f"{web_max_tasks} is below earfit:webMinTasks ({web_min_tasks})")
    if tier == "prod":
        # Production survives the loss of one availability zone and one careless delete.
        for key, value in (
            ("dbMultiAz", db_multi_az),
            ("dbDeletionProtection", db_deletion_protection),
            ("albDeletionProtection", alb_deletion_protection),
        ):
            if not value:
                read.problem(key, "must be true on a prod stack")
        if redis_nodes < 2:
            read.problem("redisNodes", "a prod stack needs at least 2 nodes (a replica in the other zone)")
        if web_min_tasks < 2:
            read.problem("webMinTasks", "a prod stack runs at least 2 web tasks")

    log_retention_days = read.integer("logRetentionDays", default=365, minimum=MIN_LOG_RETENTION_DAYS)
    if log_retention_days >= MIN_LOG_RETENTION_DAYS and log_retention_days not in LOG_RETENTION_CHOICES:
        read.problem("logRetentionDays", f"{log_retention_days} is not a retention CloudWatch offers")

    vpc_cidr = read.text("vpcCidr", default="10.0.0.0/16", pattern=_CIDR_16)
    cidr = _CIDR_16.match(vpc_cidr)
    if cidr and int(cidr.group(1)) > 255:
        read.problem("vpcCidr", f"'{vpc_cidr}' is not an IPv4 network")
    lock_mode = read.text("auditObjectLockMode", default="COMPLIANCE")
    if lock_mode not in ("GOVERNANCE", "COMPLIANCE"):
        read.problem("auditObjectLockMode", f"'{lock_mode}' is not GOVERNANCE or COMPLIANCE")
    price_class = read.text("cloudfrontPriceClass", default="PriceClass_100")
    if price_class not in ("PriceClass_100", "PriceClass_200", "PriceClass_All"):
        read.problem("cloudfrontPriceClass", f"'{price_class}' is not a CloudFront price class")

    config = StackConfig(
        stack=stack,
        project=pulumi.get_project(),
        tier=tier if tier in TIERS else "dev",  # checked above; the error is raised below
        account_id=account_id,
        region=region,
        static_failover_region=static_failover_region,
        deploy_role_arn=deploy_role_arn,
        domain_name=read.text("domainName"),
        hosted_zone_id=read.optional("hostedZoneId"),
        alb_certificate_arn=alb_certificate_arn,
        cloudfront_certificate_arn=cloudfront_certificate_arn,
        alarm_email=read.text("alarmEmail", pattern=_EMAIL),
        image_tag=read.text("imageTag", pattern=_IMAGE_TAG),
        release_repository_url=read.text("releaseRepositoryUrl", pattern=_RELEASE_REPOSITORY),
        vpc_cidr=vpc_cidr,
        nat_gateway_per_az=read.boolean("natGatewayPerAz", default=True),
        web=read.size("web", cpu=1024, memory=2048),
        web_min_tasks=web_min_tasks,
        web_max_tasks=web_max_tasks,
        worker=read.size("worker", cpu=1024, memory=2048),
        worker_tasks=read.integer("workerTasks", default=1, minimum=1),
        beat=read.size("beat", cpu=256, memory=512),
        migrate=read.size("migrate", cpu=512, memory=1024),
        db_instance_class=read.text("dbInstanceClass"),
        db_engine_version=read.text("dbEngineVersion", default="16"),
        db_allocated_storage_gb=read.integer("dbAllocatedStorageGb", default=20, minimum=20),
        db_max_allocated_storage_gb=read.integer("dbMaxAllocatedStorageGb", default=100, minimum=20),
        db_multi_az=db_multi_az,
        db_deletion_protection=db_deletion_protection,
        db_backup_retention_days=read.integer(
            "dbBackupRetentionDays", default=MIN_BACKUP_RETENTION_DAYS, minimum=MIN_BACKUP_RETENTION_DAYS
        ),
        db_restore_snapshot_id=read.optional("dbRestoreSnapshotId"),
        redis_node_type=read.text("redisNodeType"),
        redis_nodes=redis_nodes,
        alb_deletion_protection=alb_deletion_protection,
        photo_retention_days=photo_retention_days,
        log_retention_days=log_retention_days,
        audit_archive_retention_days=read.integer("auditArchiveRetentionDays", default=2557, minimum=365),
        audit_object_lock_mode=lock_mode,  # type: ignore[arg-type]  # checked above
        cloudfront_price_class=price_class,
        viewer_countries=read.countries("viewerCountries"),
        waf_rate_limit=read.integer("wafRateLimit", default=2000, minimum=100),
        waf_upload_rate_limit=read.integer("wafUploadRateLimit", default=100, minimum=10),
        queue_depth_alarm_threshold=read.integer("queueDepthAlarmThreshold", default=500, minimum=1),
        tracing=read.boolean("tracing", default=False),
    )
    if read.problems:
        raise StackConfigError(stack=stack, problems=read.problems)
    return config
