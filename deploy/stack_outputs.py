"""The stack outputs the delivery steps read (`pulumi stack output --json`), in one place.

The infra program exports exactly these (its tests load this module by path and compare), and
`pulumi_stack outputs` refuses a stack that lacks one. Plain Python with no imports, so the
program's own environment, which has no boto3, can read it too.
"""

STACK_OUTPUTS = (
    "ecr_repository_url",  # the repository the stack's tasks pull from (its pull-through cache of releases)
    "cluster_name",
    "web_service_name",
    "worker_service_name",
    "beat_service_name",
    "migrate_task_definition_family",
    "private_subnet_ids",  # a list; comma-separated in the properties file
    "task_security_group_id",  # the group the one-off migrate task runs in, as the services do
    "static_bucket_name",
    "distribution_id",
    "distribution_domain_name",  # CloudFront's own name, <id>.cloudfront.net
    "site_domain_name",  # the public name the distribution serves and Django allows (the smoke test's)
    "web_log_group_name",
    "aws_account_id",
    "aws_region",
)
