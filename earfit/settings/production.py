"""Production: tightens base and refuses to start without its secrets.

Traffic arrives through CloudFront and the ALB, which terminate TLS; the ALB forwards
`X-Forwarded-Proto`, so Django trusts that header only here.
"""

import sys

from django.core.exceptions import ImproperlyConfigured

from earfit.env import env
from earfit.settings.base import *  # noqa: F403 -- settings modules extend base by design

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")  # required: no default
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")  # required: no default
DATABASES = {"default": env.db_url("DATABASE_URL")}  # required: no default
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"] = database_bounded(DATABASES["default"])  # noqa: F405 -- every wait bounded (base)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# CloudFront appends the viewer's address to X-Forwarded-For, the ALB appends CloudFront's.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=2)
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": TRUSTED_PROXY_COUNT}  # noqa: F405
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True

# The API throttles count in the cache: one Redis for every worker of every task (ElastiCache, the
# broker's cluster, another database), not a counter per process. Down: the API answers 503.
CACHES = {"default": cache_bounded(env.cache_url("CACHE_URL"))}  # noqa: F405 -- required: no default

# Photos live in S3, never on a task's disk; the bucket comes from PHOTO_S3_BUCKET.
PHOTO_STORAGE = "s3"
STORAGES["photos"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": PHOTO_S3_OPTIONS}  # noqa: F405
# Background work needs its broker (ElastiCache Redis): no eager fallback in production.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL")  # required: no default
CELERY_TASK_ALWAYS_EAGER = False

# Static files are served by WhiteNoise from the manifest `collectstatic` writes (at image build
# time). Without it every page that names a static file, the whole admin, answers 500; so a
# process without it refuses to start, loudly, instead. Only collectstatic itself runs before it.
if sys.argv[1:2] != ["collectstatic"] and not (STATIC_ROOT / "staticfiles.json").is_file():  # noqa: F405
    raise ImproperlyConfigured(
        f"no static files manifest at {STATIC_ROOT / 'staticfiles.json'}: "  # noqa: F405
        "run `manage.py collectstatic` (the image build does) before starting earfit in production"
    )

# JSON lines on stdout, for CloudWatch Logs and its metric filters (earfit/json_logging.py);
# Celery's worker and beat log through the same handler instead of installing their own.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "earfit.json_logging.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": env.str("LOG_LEVEL", default="INFO")},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
