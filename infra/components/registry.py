"""The image repository: tags are immutable (a tag is a commit), every push is scanned, and the
lifecycle keeps the last 50 releases so a rollback always finds its image."""

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from config import StackConfig

KEEP_RELEASES = 50


@dataclass(frozen=True, kw_only=True)
class RegistryArgs:
    config: StackConfig
    data_key_arn: pulumi.Input[str]


class Registry(pulumi.ComponentResource):
    repository: aws.ecr.Repository

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("earfit:infra:Registry", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.repository = aws.ecr.Repository(
            f"{name}-repository",
            name=args.config.name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[
                aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS", kms_key=args.data_key_arn)
            ],
            force_delete=False,
            opts=child,
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=self.repository.name,
            policy=json.dumps(
                {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "description": "untagged layers of failed pushes",
                            "selection": {
                                "tagStatus": "untagged",
                                "countType": "sinceImagePushed",
                                "countUnit": "days",
                                "countNumber": 7,
                            },
                            "action": {"type": "expire"},
                        },
                        {
                            "rulePriority": 2,
                            "description": f"keep the last {KEEP_RELEASES} releases",
                            "selection": {
                                "tagStatus": "any",
                                "countType": "imageCountMoreThan",
                                "countNumber": KEEP_RELEASES,
                            },
                            "action": {"type": "expire"},
                        },
                    ]
                }
            ),
            opts=child,
        )
        self.register_outputs({"repository_url": self.repository.repository_url})
