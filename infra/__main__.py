"""earfit on AWS: composes one component per concern (see README, "Deployment")."""

import pulumi

from components.audit import Audit, AuditArgs
from components.broker import Broker, BrokerArgs
from components.cdn import Cdn, CdnArgs
from components.database import Database, DatabaseArgs
from components.firewall import Firewall, FirewallArgs
from components.keys import Keys, KeysArgs
from components.load_balancer import LoadBalancer, LoadBalancerArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.network import Network, NetworkArgs
from components.providers import providers_create
from components.registry import Registry, RegistryArgs
from components.secrets import Secrets, SecretsArgs
from components.service import AppService, ServiceArgs
from components.storage import Storage, StorageArgs
from components.waf import EdgeFirewall, EdgeFirewallArgs
from config import stack_config_load

# One line per concern keeps the composition on one screen.
# fmt: off
config = stack_config_load()  # validated before any resource is declared
providers = providers_create(config=config)
regional = pulumi.ResourceOptions(providers=[providers.regional])
edge = pulumi.ResourceOptions(providers=[providers.edge])

keys = Keys("keys", KeysArgs(config=config, edge_provider=providers.edge), regional)
storage = Storage("storage", StorageArgs(config=config, data_key_arn=keys.data.arn), regional)
audit = Audit("audit", AuditArgs(config=config, logs_key_arn=keys.logs.arn, access_log_bucket=storage.access_logs.bucket.id), regional)
network = Network("network", NetworkArgs(config=config, logs_key_arn=keys.logs.arn, s3_bucket_arns=[storage.photos.bucket.arn]), regional)
private_subnet_ids = [subnet.id for subnet in network.private_subnets]
firewall = Firewall("firewall", FirewallArgs(config=config, vpc_id=network.vpc.id), regional)
registry = Registry("registry", RegistryArgs(config=config, data_key_arn=keys.data.arn), regional)
database = Database("database", DatabaseArgs(
    config=config, subnet_ids=private_subnet_ids, security_group_id=firewall.database.id, data_key_arn=keys.data.arn), regional)
broker = Broker("broker", BrokerArgs(
    config=config, subnet_ids=private_subnet_ids, security_group_id=firewall.redis.id,
    data_key_arn=keys.data.arn, logs_key_arn=keys.logs.arn), regional)
secrets = Secrets("secrets", SecretsArgs(
    config=config, data_key_arn=keys.data.arn, database_url=database.url, broker_url=broker.broker_url,
    cache_url=broker.cache_url), regional)
load_balancer = LoadBalancer("web", LoadBalancerArgs(
    config=config, vpc_id=network.vpc.id, public_subnet_ids=[subnet.id for subnet in network.public_subnets],
    security_group_id=firewall.alb.id, access_log_bucket=storage.access_logs.bucket.bucket), regional)
app = AppService("app", ServiceArgs(
    config=config, private_subnet_ids=private_subnet_ids, task_security_group_id=firewall.tasks.id,
    repository_url=registry.repository.repository_url, repository_arn=registry.repository.arn,
    photo_bucket_name=storage.photos.bucket.bucket, photo_bucket_arn=storage.photos.bucket.arn,
    data_key_arn=keys.data.arn, logs_key_arn=keys.logs.arn,
    secret_arns={env_name: secret.arn for env_name, secret in secrets.by_env_name.items()},
    target_group_arn=load_balancer.target_group.arn, alb_arn_suffix=load_balancer.alb.arn_suffix,
    target_group_arn_suffix=load_balancer.target_group.arn_suffix, image_source=registry.cache_rule), regional)
waf = EdgeFirewall("waf", EdgeFirewallArgs(config=config, edge_key_arn=keys.edge.arn), edge)
cdn = Cdn("cdn", CdnArgs(
    config=config, alb_dns_name=load_balancer.alb.dns_name, origin_secret=load_balancer.origin_secret,
    web_acl_arn=waf.web_acl.arn, access_log_bucket=storage.access_logs.bucket.id, edge_key_arn=keys.edge.arn,
    edge_provider=providers.edge, failover_provider=providers.failover), regional)
Monitoring("monitoring", MonitoringArgs(
    config=config, logs_key_arn=keys.logs.arn, edge_key_arn=keys.edge.arn, edge_provider=providers.edge,
    alb_arn_suffix=load_balancer.alb.arn_suffix, target_group_arn_suffix=load_balancer.target_group.arn_suffix,
    cluster_name=app.cluster.name, service_names={"web": app.web.name, "worker": app.worker.name},
    db_instance_id=database.instance.identifier, worker_log_group=app.log_groups["worker"].name,
    beat_log_group=app.log_groups["beat"].name, web_acl_name=waf.web_acl.name), regional)

# fmt: on

# The delivery pipeline reads these (`pulumi stack output --json`; the list: deploy/stack_outputs.py).
pulumi.export("ecr_repository_url", registry.repository.repository_url)
pulumi.export("cluster_name", app.cluster.name)
pulumi.export("web_service_name", app.web.name)
pulumi.export("worker_service_name", app.worker.name)
pulumi.export("beat_service_name", app.beat.name)
pulumi.export("migrate_task_definition_family", app.task_definitions["migrate"].family)
pulumi.export("private_subnet_ids", private_subnet_ids)
pulumi.export("task_security_group_id", firewall.tasks.id)
pulumi.export("static_bucket_name", cdn.static.bucket.bucket)
pulumi.export("distribution_id", cdn.distribution.id)
pulumi.export("distribution_domain_name", cdn.distribution.domain_name)
pulumi.export("site_domain_name", config.domain_name)
pulumi.export("web_log_group_name", app.log_groups["web"].name)
pulumi.export("aws_account_id", config.account_id)
pulumi.export("aws_region", config.region)
