"""CloudFront: the React build from a private bucket through Origin Access Control, and the ALB
over HTTPS for `/api/*`, `/admin/*` and `/static/*` (Django's admin assets), and for `/healthz`
and `/readyz` (GET and HEAD only: the pipeline's smoke test checks the release through CloudFront),
uncached and with every viewer header forwarded (Host included, so Django sees the public name and
the ALB's certificate matches it). TLS 1.2+ with the IT team's certificate, the WAF attached, security
headers on every response, access logs to CloudWatch in us-east-1 (standard logging v2, which
needs no bucket ACLs).

The static bucket's key and policy name this distribution, so only it can read the build.
A path without a file extension is a client route and gets `index.html` (a viewer-request
function on the bucket's behaviour only, so API 404s stay 404s). The bucket's behaviour reads from
an origin group: the static bucket, and its copy in a second region when the bucket answers with a
server error (components/static_site.py).
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.buckets import PrivateBucket, PrivateBucketArgs, private_bucket_create
from components.load_balancer import ORIGIN_HEADER
from components.static_site import (
    FAILOVER_STATUS_CODES,
    SiteBucket,
    site_copy_create,
    site_key_create,
    site_lifecycle_create,
    site_read_grant,
)
from config import StackConfig
from contract import HEALTH_CHECK_PATH, READINESS_PATH

# AWS managed policies (their ids are the same in every account).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
ALB_PATHS = ("/api/*", "/admin/*", "/static/*")
# Without their own behaviours these would reach the bucket, and the client-route rewrite would
# answer them with index.html and a 200.
HEALTH_PATHS = (HEALTH_CHECK_PATH, READINESS_PATH)
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
READ_METHODS = ["GET", "HEAD"]
STATIC_ORIGIN = "static-site"
STATIC_COPY_ORIGIN = "static-site-copy"
STATIC_GROUP = "static-site-failover"  # the default behaviour's target: the bucket, else its copy
ALB_ORIGIN = "web-alb"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)
SPA_REWRITE = """function handler(event) {
  var request = event.request;
  if (request.uri.indexOf('.') === -1) { request.uri = '/index.html'; }
  return request;
}
"""


@dataclass(frozen=True, kw_only=True)
class CdnArgs:
    config: StackConfig
    alb_dns_name: pulumi.Input[str]
    origin_secret: pulumi.Input[str]
    web_acl_arn: pulumi.Input[str]
    access_log_bucket: pulumi.Input[str]
    edge_key_arn: pulumi.Input[str]
    edge_provider: aws.Provider
    failover_provider: aws.Provider


class Cdn(pulumi.ComponentResource):
    static_key: aws.kms.Key
    static: PrivateBucket
    static_copy: SiteBucket
    distribution: aws.cloudfront.Distribution

    def __init__(self, name: str, args: CdnArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("earfit:infra:Cdn", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)

        self.static_key = site_key_create(f"{name}-static-key", config=config, region=config.region, parent=self)
        self.static = private_bucket_create(
            name=f"{name}-static",
            args=PrivateBucketArgs(
                kms_key_arn=self.static_key.arn, access_log_bucket=args.access_log_bucket, force_destroy=True
            ),
            parent=self,
        )
        site_lifecycle_create(f"{name}-static-lifecycle", site=self.static, parent=self)
        primary = SiteBucket(bucket=self.static, key=self.static_key)
        self.static_copy = site_copy_create(
            f"{name}-static-copy", config=config, source=primary, parent=self, provider=args.failover_provider
        )
        access_control = aws.cloudfront.OriginAccessControl(
            f"{name}-oac",
            name=f"{config.name}-static",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        headers = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-security-headers",
            name=f"{config.name}-security-headers",
            security_headers_config=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs(
                strict_transport_security=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs(
                    access_control_max_age_sec=63072000, include_subdomains=True, preload=True, override=True
                ),
                content_type_options=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs(
                    override=True
                ),
                frame_options=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs(
                    frame_option="DENY", override=True
                ),
                referrer_policy=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs(
                    referrer_policy="strict-origin-when-cross-origin", override=True
                ),
                content_security_policy=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicyArgs(
                    content_security_policy=CONTENT_SECURITY_POLICY, override=True
                ),
            ),
            opts=child,
        )
        spa_rewrite = aws.cloudfront.Function(
            f"{name}-spa-rewrite",
            name=f"{config.name}-spa-rewrite",
            runtime="cloudfront-js-2.0",
            code=SPA_REWRITE,
            publish=True,
            opts=child,
        )
        alb_behaviours = [
            aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
                path_pattern=pattern,
                target_origin_id=ALB_ORIGIN,
                viewer_protocol_policy="redirect-to-https",
                allowed_methods=methods,
                cached_methods=READ_METHODS,
                cache_policy_id=CACHING_DISABLED,
                origin_request_policy_id=ALL_VIEWER,
                response_headers_policy_id=headers.id,
                compress=True,
            )
            for patterns, methods in ((ALB_PATHS, ALL_METHODS), (HEALTH_PATHS, READ_METHODS))
            for pattern in patterns
        ]
        self.distribution = aws.cloudfront.Distribution(
            f"{name}-distribution",
            enabled=True,
            comment=config.name,
            aliases=[config.domain_name],
            default_root_object="index.html",
            http_version="http2and3",
            is_ipv6_enabled=True,
            price_class=config.cloudfront_price_class,
            web_acl_id=args.web_acl_arn,
            origins=[
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=origin_id,
                    domain_name=site.bucket.bucket.bucket_regional_domain_name,
                    origin_access_control_id=access_control.id,
                )
                for origin_id, site in ((STATIC_ORIGIN, primary), (STATIC_COPY_ORIGIN, self.static_copy))
            ]
            + [
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=ALB_ORIGIN,
                    domain_name=args.alb_dns_name,
                    custom_origin_config=aws.cloudfront.DistributionOriginCustomOriginConfigArgs(
                        http_port=80,
                        https_port=443,
                        origin_protocol_policy="https-only",
                        origin_ssl_protocols=["TLSv1.2"],
                        origin_read_timeout=60,
                    ),
                    custom_headers=[
                        aws.cloudfront.DistributionOriginCustomHeaderArgs(name=ORIGIN_HEADER, value=args.origin_secret)
                    ],
                ),
            ],
            origin_groups=[
                aws.cloudfront.DistributionOriginGroupArgs(
                    origin_id=STATIC_GROUP,
                    failover_criteria=aws.cloudfront.DistributionOriginGroupFailoverCriteriaArgs(
                        status_codes=FAILOVER_STATUS_CODES
                    ),
                    members=[
                        aws.cloudfront.DistributionOriginGroupMemberArgs(origin_id=STATIC_ORIGIN),
                        aws.cloudfront.DistributionOriginGroupMemberArgs(origin_id=STATIC_COPY_ORIGIN),
                    ],
                )
            ],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id=STATIC_GROUP,
                viewer_protocol_policy="redirect-to-https",
                allowed_methods=["GET", "HEAD"],
                cached_methods=["GET", "HEAD"],
                cache_policy_id=CACHING_OPTIMIZED,
                response_headers_policy_id=headers.id,
                compress=True,
                function_associations=[
                    aws.cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArgs(
                        event_type="viewer-request", function_arn=spa_rewrite.arn
                    )
                ],
            ),
            ordered_cache_behaviors=alb_behaviours,
            # Only the markets earfit serves (stack configuration); elsewhere CloudFront answers 403.
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(
                    restriction_type="whitelist", locations=sorted(config.viewer_countries)
                )
            ),
            viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=config.cloudfront_certificate_arn,
                ssl_support_method="sni-only",
                minimum_protocol_version="TLSv1.2_2021",
            ),
            opts=child,
        )
        for site, bucket_policy, key_policy in (
            (primary, f"{name}-static", f"{name}-static-key-policy"),
            (self.static_copy, f"{name}-static-copy", f"{name}-static-copy-key-policy"),
        ):
            site_read_grant(
                bucket_policy_name=bucket_policy, key_policy_name=key_policy, site=site, config=config,
                distribution_arn=self.distribution.arn, parent=self,
            )  # fmt: skip
        self._access_logs(name, config=config, edge_key_arn=args.edge_key_arn, edge_provider=args.edge_provider)
        if config.hosted_zone_id:
            for record_type in ("A", "AAAA"):
                aws.route53.Record(
                    f"{name}-alias-{record_type.lower()}",
                    zone_id=config.hosted_zone_id,
                    name=config.domain_name,
                    type=record_type,
                    aliases=[
                        aws.route53.RecordAliasArgs(
                            name=self.distribution.domain_name,
                            zone_id=self.distribution.hosted_zone_id,
                            evaluate_target_health=False,
                        )
                    ],
                    opts=child,
                )
        self.register_outputs(
            {
                "distribution_id": self.distribution.id,
                "distribution_domain_name": self.distribution.domain_name,
                "static_bucket_name": self.static.bucket.bucket,
            }
        )

    def _access_logs(
        self, name: str, *, config: StackConfig, edge_key_arn: pulumi.Input[str], edge_provider: aws.Provider
    ) -> None:
        """Standard logging v2: CloudFront's delivery source and a CloudWatch log group, both in us-east-1."""
        edge = pulumi.ResourceOptions(parent=self, provider=edge_provider)
        group = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            name=f"/{config.project}/{config.stack}/cloudfront-access",
            retention_in_days=config.log_retention_days,
            kms_key_id=edge_key_arn,
            opts=edge,
        )
        source = aws.cloudwatch.LogDeliverySource(
            f"{name}-access-logs",
            name=f"{config.name}-cloudfront",
            log_type="ACCESS_LOGS",
            resource_arn=self.distribution.arn,
            opts=edge,
        )
        destination = aws.cloudwatch.LogDeliveryDestination(
            f"{name}-access-logs",
            name=f"{config.name}-cloudfront",
            output_format="json",
            delivery_destination_configuration=aws.cloudwatch.LogDeliveryDestinationDeliveryDestinationConfigurationArgs(
                destination_resource_arn=group.arn
            ),
            opts=edge,
        )
        aws.cloudwatch.LogDelivery(
            f"{name}-access-logs",
            delivery_source_name=source.name,
            delivery_destination_arn=destination.arn,
            opts=edge,
        )
