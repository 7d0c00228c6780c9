"""The four secrets the containers read, in Secrets Manager under the `data` key. Task
definitions reference them by ARN (`secrets`), so no secret value ever sits in a task definition,
an environment variable of the definition, or a log."""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from config import StackConfig


@dataclass(frozen=True, kw_only=True)
class SecretsArgs:
    config: StackConfig
    data_key_arn: pulumi.Input[str]
    database_url: pulumi.Input[str]
    broker_url: pulumi.Input[str]
    cache_url: pulumi.Input[str]


class Secrets(pulumi.ComponentResource):
    by_env_name: dict[str, aws.secretsmanager.Secret]

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("earfit:infra:Secrets", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        django_key = random.RandomPassword(f"{name}-django-secret-key", length=64, special=True, opts=child)
        values: dict[str, pulumi.Input[str]] = {
            "DJANGO_SECRET_KEY": django_key.result,
            "DATABASE_URL": args.database_url,
            "CELERY_BROKER_URL": args.broker_url,
            "CACHE_URL": args.cache_url,
        }
        self.by_env_name = {}
        for env_name, value in values.items():
            slug = env_name.lower().replace("_", "-")
            secret = aws.secretsmanager.Secret(
                f"{name}-{slug}",
                name=f"{config.project}/{config.stack}/{env_name}",
                kms_key_id=args.data_key_arn,
                recovery_window_in_days=30 if config.is_prod else 7,
                opts=child,
            )
            aws.secretsmanager.SecretVersion(
                f"{name}-{slug}", secret_id=secret.id, secret_string=pulumi.Output.secret(value), opts=child
            )
            self.by_env_name[env_name] = secret
        self.register_outputs({"secret_arns": {key: secret.arn for key, secret in self.by_env_name.items()}})
