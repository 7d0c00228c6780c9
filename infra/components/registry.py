"""The stack's image repository: a pull-through cache of the release repository.

The build plan pushes each release once, to the release repository (`earfit:releaseRepositoryUrl`,
in the build account), and refuses it there on a critical scan finding. Every stack pulls it
through this account's own repository, `release/<name>`: the first pull of a tag or digest copies
the image from the release repository (ECR's ECR-to-ECR pull-through cache, through the role
below), later pulls are served from here. So a stack's first `pulumi up` can start its services
on a release that was pushed before the stack existed, each account keeps its own scanned,
immutable, encrypted copy, and the disaster-recovery region runs from a copy in its own region.

The repository is created here, before any pull, so it carries our settings (immutable tags, scan
on push, the `data` key, the lifecycle) instead of the defaults ECR would create it with.
"""

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.documents import allow, assume_role_policy, policy_document, registry_login
from config import StackConfig

KEEP_RELEASES = 50
# The cache's namespace: `release/<release repository name>` here mirrors `<name>` upstream.
CACHE_PREFIX = "release"


@dataclass(frozen=True, kw_only=True)
class RegistryArgs:
    config: StackConfig
    data_key_arn: pulumi.Input[str]


class Registry(pulumi.ComponentResource):
    repository: aws.ecr.Repository
    cache_role: aws.iam.Role
    cache_rule: aws.ecr.PullThroughCacheRule

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("earfit:infra:Registry", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        self.repository = aws.ecr.Repository(
            f"{name}-repository",
            name=f"{CACHE_PREFIX}/{config.release_repository}",
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
                            "description": "untagged layers of failed pulls",
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
        # ECR assumes this role to read the release repository in the build account; that
        # account's registry policy must let this account pull (README, "What a release needs").
        self.cache_role = aws.iam.Role(
            f"{name}-pull-through",
            assume_role_policy=assume_role_policy(
                service="pullthroughcache.ecr.amazonaws.com", account_id=config.account_id
            ),
            opts=child,
        )
        cache_policy = aws.iam.RolePolicy(
            f"{name}-pull-through",
            role=self.cache_role.id,
            policy=policy_document(
                registry_login(),
                allow(
                    sid="ReadReleases",
                    actions=["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
                    resources=[config.release_repository_arn],
                ),
                allow(
                    sid="CopyIntoTheCache",
                    actions=[
                        "ecr:BatchImportUpstreamImage",
                        "ecr:GetImageCopyStatus",
                        "ecr:InitiateLayerUpload",
                        "ecr:UploadLayerPart",
                        "ecr:CompleteLayerUpload",
                        "ecr:PutImage",
                        "ecr:BatchCheckLayerAvailability",
                    ],
                    resources=[self.repository.arn],
                ),
            ),
            opts=child,
        )
        self.cache_rule = aws.ecr.PullThroughCacheRule(
            f"{name}-releases",
            ecr_repository_prefix=CACHE_PREFIX,
            upstream_registry_url=config.release_registry,
            # ROOT (the default): `release/<name>` here is `<name>` upstream; the role reads one repository.
            custom_role_arn=self.cache_role.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.repository, cache_policy]),
        )
        self.register_outputs({"repository_url": self.repository.repository_url})
