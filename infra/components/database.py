"""PostgreSQL on RDS: private, encrypted with the `data` key, TLS forced, IAM authentication on
for people (the application signs in with its password from Secrets Manager), backups kept at
least seven days, statement logging for slow queries, Multi-AZ and deletion protection in prod.

A DR stack can start from a copied snapshot (`earfit:dbRestoreSnapshotId`).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.documents import assume_role_policy
from config import StackConfig

PORT = 5432
DATABASE_NAME = "earfit"
USERNAME = "earfit"


@dataclass(frozen=True, kw_only=True)
class DatabaseArgs:
    config: StackConfig
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    data_key_arn: pulumi.Input[str]


class Database(pulumi.ComponentResource):
    instance: aws.rds.Instance
    url: pulumi.Output[str]

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("earfit:infra:Database", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        subnet_group = aws.rds.SubnetGroup(f"{name}-subnets", subnet_ids=args.subnet_ids, opts=child)
        family = f"postgres{config.db_engine_version.split('.')[0]}"
        parameters = aws.rds.ParameterGroup(
            f"{name}-parameters",
            family=family,
            parameters=[
                aws.rds.ParameterGroupParameterArgs(name="rds.force_ssl", value="1"),
                aws.rds.ParameterGroupParameterArgs(name="log_min_duration_statement", value="1000"),
                aws.rds.ParameterGroupParameterArgs(name="log_statement", value="ddl"),
                aws.rds.ParameterGroupParameterArgs(name="log_connections", value="1"),
                aws.rds.ParameterGroupParameterArgs(name="log_disconnections", value="1"),
            ],
            opts=child,
        )
        monitoring_role = aws.iam.Role(
            f"{name}-monitoring",
            assume_role_policy=assume_role_policy(service="monitoring.rds.amazonaws.com", account_id=config.account_id),
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-monitoring",
            role=monitoring_role.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
            opts=child,
        )
        password = random.RandomPassword(f"{name}-password", length=40, special=False, opts=child)
        self.instance = aws.rds.Instance(
            f"{name}-postgres",
            identifier=config.name,
            engine="postgres",
            engine_version=config.db_engine_version,
            instance_class=config.db_instance_class,
            db_name=DATABASE_NAME,
            username=USERNAME,
            password=password.result,
            port=PORT,
            allocated_storage=config.db_allocated_storage_gb,
            max_allocated_storage=config.db_max_allocated_storage_gb,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=args.data_key_arn,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[args.security_group_id],
            publicly_accessible=False,
            parameter_group_name=parameters.name,
            ca_cert_identifier="rds-ca-rsa2048-g1",
            iam_database_authentication_enabled=True,
            multi_az=config.db_multi_az,
            deletion_protection=config.db_deletion_protection,
            backup_retention_period=config.db_backup_retention_days,
            backup_window="02:00-02:30",
            maintenance_window="sun:03:30-sun:04:30",
            copy_tags_to_snapshot=True,
            skip_final_snapshot=False,
            final_snapshot_identifier=f"{config.name}-final",
            snapshot_identifier=config.db_restore_snapshot_id,
            auto_minor_version_upgrade=True,
            enabled_cloudwatch_logs_exports=["postgresql", "upgrade"],
            monitoring_interval=60,
            monitoring_role_arn=monitoring_role.arn,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=args.data_key_arn,
            performance_insights_retention_period=7,
            apply_immediately=False,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["snapshotIdentifier"]),
        )
        # sslmode=require: the driver refuses a plain connection even if the parameter group changes.
        self.url = pulumi.Output.secret(
            pulumi.Output.format(
                "postgres://{0}:{1}@{2}:{3}/{4}?sslmode=require",
                USERNAME,
                password.result,
                self.instance.address,
                PORT,
                DATABASE_NAME,
            )
        )
        self.register_outputs({"endpoint": self.instance.address})
