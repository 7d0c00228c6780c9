"""Settings shared by every environment, complete and driven by the environment.

`local`, `test` and `production` only adjust these; `production` tightens them and requires secrets.
"""

from pathlib import Path
from typing import Any

from botocore.config import Config
from celery.schedules import crontab
from redis.backoff import NoBackoff
from redis.retry import Retry

from earfit.env import BASE_DIR, env
from earfit.retention import photo_retention_days
from earfit.static_headers import add_cache_headers
from earfit.time_budget import budget_check, budget_parts

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-local-only-key-do-not-deploy")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "import_export",
    "accounts",
    "recommendations",
]

MIDDLEWARE = [
    # First: liveness answers before host validation and before any I/O.
    "earfit.middleware.HealthCheckMiddleware",
    "earfit.middleware.RequestIdMiddleware",
    "earfit.middleware.RequestBodyLimitMiddleware",
    "earfit.middleware.DependencyDownMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, whose files (the client's index.html) never reach later middleware.
    "earfit.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before django-axes: attempts per address and per username, whatever the password.
    "earfit.throttling.StaffLoginThrottleMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "earfit.urls"
WSGI_APPLICATION = "earfit.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'earfit.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# The request time budget (earfit/time_budget.py, README "The request time budget"): every
# dependency a request waits on has a connect and a read bound, and together they stay below
# REQUEST_BUDGET_SECONDS, itself below gunicorn's `timeout`. A silent dependency is a 503 with
# Retry-After in seconds, never a hung worker.
REQUEST_BUDGET_SECONDS = env.float("REQUEST_BUDGET_SECONDS", default=45.0)
DATABASE_CONNECT_TIMEOUT = env.int("DATABASE_CONNECT_TIMEOUT", default=3)
# The server cancels a statement (lock waits included) after this long...
DATABASE_STATEMENT_TIMEOUT = env.float("DATABASE_STATEMENT_TIMEOUT", default=5.0)
# ...and the client stops waiting for any answer after this long (earfit/db/postgresql/base.py), so
# a server that accepts packets but answers nothing cannot hold a worker on a kept connection.
DATABASE_READ_TIMEOUT = env.float("DATABASE_READ_TIMEOUT", default=8.0)


def database_bounded(database: dict[str, Any]) -> dict[str, Any]:
    """PostgreSQL through earfit's backend, every wait bounded; anything else as it is."""
    if database["ENGINE"] != "django.db.backends.postgresql":
        return database
    options = database.setdefault("OPTIONS", {})
    options.update(
        {
            "connect_timeout": DATABASE_CONNECT_TIMEOUT,
            "options": f"-c statement_timeout={int(DATABASE_STATEMENT_TIMEOUT * 1000)}",
            "read_timeout": DATABASE_READ_TIMEOUT,
            # A peer that stops acknowledging (a lost host, a cut network) ends the connection too.
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 3,
            "tcp_user_timeout": int(DATABASE_READ_TIMEOUT * 1000),
        }
    )
    return {**database, "ENGINE": "earfit.db.postgresql"}


DATABASES["default"] = database_bounded(DATABASES["default"])
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a few people at once: WAL lets reads go on beside a write, and
    # every transaction takes the write lock when it begins (IMMEDIATE), waiting up to the busy
    # timeout for it. A deferred one that reads and then writes fails at once ("database is
    # locked", a 503) when another wrote meanwhile; no wait would help it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": env.float("SQLITE_BUSY_TIMEOUT_SECONDS", default=20.0),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out sign-in before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Staff sign-in protection: after AXES_FAILURE_LIMIT failures for one username from one address,
# that pair is locked out for AXES_COOLOFF_HOURS. Failures and lockouts are in the audit trail.
# Username *and* address, so an attacker cannot lock a colleague out from elsewhere at will.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "earfit.client_ip.client_ip"
# The lockout's 429 carries Retry-After, as every other 429 does (earfit/throttling.py).
AXES_LOCKOUT_CALLABLE = "earfit.throttling.axes_lockout_response"

# Every environment: no MIME sniffing, no Referer to other origins, no framing (production adds
# HSTS and HTTPS only). The CSP and the Permissions-Policy: earfit/security_headers.py.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Proxies in front of Django that append to X-Forwarded-For: none locally, CloudFront and the ALB in
# AWS (production.py). The throttles and the lockout read the client that many entries from the
# right of the header (earfit/client_ip.py), so a client cannot pick its own address by sending one.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Redis (production's throttle counters): short socket bounds and no retry, so a silent cache is
# a 503 in seconds (redis-py would otherwise retry three times with up to 10 s of backoff).
CACHE_CONNECT_TIMEOUT = env.float("CACHE_CONNECT_TIMEOUT", default=1.0)
CACHE_READ_TIMEOUT = env.float("CACHE_READ_TIMEOUT", default=2.0)


def cache_bounded(cache: dict[str, Any]) -> dict[str, Any]:
    """A Redis cache with its socket bounds and no retries; any other cache as it is."""
    if cache["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
        return cache
    bounds = {
        "socket_connect_timeout": CACHE_CONNECT_TIMEOUT,
        "socket_timeout": CACHE_READ_TIMEOUT,
        "retry": Retry(NoBackoff(), 0),
    }
    return {**cache, "OPTIONS": {**cache.get("OPTIONS", {}), **bounds}}


CACHES = {"default": cache_bounded(env.cache_url("CACHE_URL", default="locmemcache://earfit"))}
# The catalog import keeps the uploaded file between its dry run and the confirmation in the cache
# (Redis in production), not in /tmp: the confirmation may reach another web task.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
# Times in the admin carry their zone ("08:43:12 UTC"): earfit/formats/.
FORMAT_MODULE_PATH = ["earfit.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Ear photos: private. Locally a directory outside any served URL; S3 in production.
    "photos": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.str("PHOTO_ROOT", default=str(BASE_DIR / "var" / "photos")), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Ear photos on S3 (production, and the tests against a loopback S3 server) when
# PHOTO_STORAGE=s3; the filesystem above otherwise. Objects are private (no ACL, no public URL),
# every put asks for server-side encryption, and staff see a photo only through a presigned URL
# that lives PHOTO_URL_EXPIRE_SECONDS. Short timeouts and few retries: an upload whose storage is
# down answers 503 in seconds instead of holding a worker.
PHOTO_STORAGE = env.str("PHOTO_STORAGE", default="filesystem")
PHOTO_KEY_PREFIX = "photos/"
PHOTO_URL_EXPIRE_SECONDS = env.int("PHOTO_URL_EXPIRE_SECONDS", default=60)


def photo_s3_encryption(*, sse: str, kms_key_id: str) -> dict[str, str]:
    """The encryption every put asks for: SSE-S3 (AES256), or SSE-KMS with the named key (the infra's
    `data` key; empty: S3's AWS-managed aws/s3 key, not the bucket's default key)."""
    if sse == "aws:kms" and kms_key_id:
        return {"ServerSideEncryption": sse, "SSEKMSKeyId": kms_key_id}
    return {"ServerSideEncryption": sse}


# Seconds to connect and to wait for each answer, and attempts in all (the first included).
PHOTO_S3_CONNECT_TIMEOUT = env.float("PHOTO_S3_CONNECT_TIMEOUT", default=2.0)
PHOTO_S3_READ_TIMEOUT = env.float("PHOTO_S3_READ_TIMEOUT", default=5.0)
PHOTO_S3_MAX_ATTEMPTS = env.int("PHOTO_S3_MAX_ATTEMPTS", default=2)
PHOTO_S3_OPTIONS = {
    "bucket_name": env.str("PHOTO_S3_BUCKET", default="earfit-photos"),
    "endpoint_url": env.str("PHOTO_S3_ENDPOINT_URL", default="") or None,
    "region_name": env.str("PHOTO_S3_REGION", default="eu-central-1"),
    "default_acl": None,
    "querystring_auth": True,
    "querystring_expire": PHOTO_URL_EXPIRE_SECONDS,
    "file_overwrite": True,
    "object_parameters": photo_s3_encryption(
        sse=env.str("PHOTO_S3_SSE", default="AES256"), kms_key_id=env.str("PHOTO_S3_KMS_KEY_ID", default="")
    ),
    "client_config": Config(
        signature_version="s3v4",
        # A loopback or other custom endpoint has no per-bucket DNS names.
        s3={"addressing_style": "path" if env.str("PHOTO_S3_ENDPOINT_URL", default="") else "auto"},
        connect_timeout=PHOTO_S3_CONNECT_TIMEOUT,
        read_timeout=PHOTO_S3_READ_TIMEOUT,
        # total_max_attempts counts the first attempt; botocore's max_attempts would count retries only.
        retries={"total_max_attempts": PHOTO_S3_MAX_ATTEMPTS, "mode": "standard"},
    ),
}
if PHOTO_STORAGE == "s3":
    STORAGES["photos"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": PHOTO_S3_OPTIONS}
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))

# The React client's production build. In AWS it is served from S3 through CloudFront; with
# `make run` Django serves the same build at `/` (WhiteNoise): hashed assets cached for a year,
# `index.html` never cached, so a new deploy is picked up at once.
FRONTEND_DIST = Path(env.str("FRONTEND_DIST", default=str(BASE_DIR / "frontend" / "dist")))
WHITENOISE_ROOT = str(FRONTEND_DIST) if FRONTEND_DIST.is_dir() else None
WHITENOISE_INDEX_FILE = True
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/?(?:static/.+\.[0-9a-f]{8,32}\.|assets/.+-[A-Za-z0-9_-]{8,}\.)"
WHITENOISE_ADD_HEADERS_FUNCTION = add_cache_headers

REST_FRAMEWORK = {
    # Deny by default: every view that is open says so itself.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.FittingTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["earfit.api.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "earfit.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "earfit.api.exception_handlers.application_exception_handler",
    # Per client address (earfit/client_ip.py) unless said otherwise, counted in CACHES["default"].
    "DEFAULT_THROTTLE_RATES": {
        "fitting_create": env.str("THROTTLE_FITTING_CREATE", default="30/hour"),
        "anon": env.str("THROTTLE_ANON", default="600/hour"),
        # Each upload decodes and measures a photo; a shopper retaking photos needs a few dozen.
        "photo_upload": env.str("THROTTLE_PHOTO_UPLOAD", default="60/hour"),
        "feedback": env.str("THROTTLE_FEEDBACK", default="60/hour"),
        "recommendation_read": env.str("THROTTLE_RECOMMENDATION_READ", default="300/hour"),
        # Per fitting: every request presenting an access token for it, from anywhere.
        "fitting_token": env.str("THROTTLE_FITTING_TOKEN", default="600/hour"),
        # Staff sign-in attempts per address (any username) and per username (any address); the
        # lockout (AXES_*) stops one username from one address far sooner.
        "staff_login_address": env.str("THROTTLE_STAFF_LOGIN_ADDRESS", default="20/hour"),
        "staff_login_username": env.str("THROTTLE_STAFF_LOGIN_USERNAME", default="40/hour"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_PAGINATION_CLASS": "earfit.api.pagination.ApiPageNumberPagination",
    # No `?format=` override: each operation answers the media types its schema documents, and an
    # unknown format is not a way to reach an undocumented 404.
    "URL_FORMAT_OVERRIDE": None,
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "earfit API",
    "DESCRIPTION": (
        "Ear-fit recommendations from a questionnaire and an ear photo. Errors always have the shape "
        '`{"message": str, "code": str, "extra": object}`. A fitting is read and changed only by the '
        "client that created it, presenting its access token as `Authorization: Bearer <token>`; "
        "anyone else gets 404."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Swagger UI is served from our own static files: nothing is fetched from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"TipSizeEnum": "recommendations.vocabulary.TIP_SIZE_CHOICES"},
}

# Personal data: ear photos and answers are kept this many days, then purged. The infra program
# reads the same value for the bucket lifecycle rule, so the two expiry paths cannot disagree.
PHOTO_RETENTION_DAYS = photo_retention_days()
# The purge leaves an object without a row alone this long: an upload in flight writes the
# object first and its row a moment later.
PHOTO_ORPHAN_GRACE_SECONDS = env.int("PHOTO_ORPHAN_GRACE_SECONDS", default=3600)

CONSENT_TEXT_VERSION = "2026-11-01"

# Upload limits for ear photos. A phone photo is 2-8 MB; 15 MB leaves room for HEIC and PNG.
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=15 * 1024 * 1024)
# Pillow's decompression-bomb guard, set low: 50 MP is above any phone camera (48 MP sensors
# bin to 12 MP), far below what a crafted file could claim.
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=50_000_000)
# What is measured and stored: a re-encode this many pixels on the long side, never the original
# bytes. 500 lets a 12 MP phone JPEG decode at 1/8 scale (README, "Ear photos").
PHOTO_STORED_LONG_SIDE = env.int("PHOTO_STORED_LONG_SIDE", default=500)
# Seconds each process keeps the active model version before reading it again. Activation clears
# the shared cache at once (Redis in production); a per-process cache (the embedded default)
# picks a new version up within this many seconds. recommendations/measuring/active.py
MODEL_ACTIVE_CACHE_SECONDS = env.int("MODEL_ACTIVE_CACHE_SECONDS", default=5)
# The memory one photo's decoded image may take, judged on the header before decoding: width x
# height x bytes per pixel of the decoded mode (alpha and 16-bit samples count), at JPEG's draft
# scale. 48 MiB admits a 12 MP photo with alpha; decoding holds about twice it at most (README,
# "Ear photos", and `make bench-rss`).
PHOTO_DECODE_MAX_BYTES = env.int("PHOTO_DECODE_MAX_BYTES", default=48 * 1024 * 1024)
# Request bodies. Form fields and JSON together at most 2.5 MB (the photo's file part does not
# count: Django streams files to their own handler); few fields and files, since the largest form
# earfit takes is a photo, its side and a CSRF token (an admin action posts one field per row,
# 100 rows a page). The whole body at most one photo plus that, refused on its declared length.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=1000)
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=10)
REQUEST_MAX_BYTES = PHOTO_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE
FILE_UPLOAD_MAX_MEMORY_SIZE = PHOTO_MAX_BYTES + 1024 * 1024

# /readyz waits this long for each dependency's probe (all run at once) before calling it failed.
READINESS_CHECK_TIMEOUT_SECONDS = env.float("READINESS_CHECK_TIMEOUT_SECONDS", default=2.0)

# Seconds a client is asked to wait when a dependency is down (Retry-After on 503).
DEPENDENCY_RETRY_AFTER_SECONDS = env.int("DEPENDENCY_RETRY_AFTER_SECONDS", default=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Celery. Redis is the broker locally, in CI and in AWS (ElastiCache Redis, not SQS: the same
# transport everywhere, so redelivery after a lost worker behaves in production as it is tested
# here). With no CELERY_BROKER_URL (`make run`) tasks run eagerly in the process that sends them.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Catalog changes within this many seconds share one re-rank run (recommendations/tasks.py); the
# pending mark lives in the cache, which production shares between processes (CACHE_URL).
RERANK_COALESCE_SECONDS = env.int("RERANK_COALESCE_SECONDS", default=60)
# kombu's Redis transport with the fix that keeps a worker running through a broker outage.
CELERY_BROKER_TRANSPORT = "earfit.broker:Transport" if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_SOCKET_TIMEOUT = env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=3.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker waits out a broker outage of any length (retrying every 30 s at most) instead of
# exiting after 100 tries, about 50 minutes, and leaving the queue to a restart.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A message a worker took but never acknowledged (the worker died) goes back to the queue after
# this many seconds. It must exceed the longest task: the daily purge is bounded well below it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # How often a worker sweeps for such messages (seconds × every Nth sweep scans Redis).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": CELERY_BROKER_SOCKET_TIMEOUT,
}
# A request sends its message once, without publish retries (earfit/task_queue.py): a broker that
# does not answer is a miss to log, or a 503 for required work, within the broker's part below.

REQUEST_BUDGET_PARTS = budget_parts(
    database_connect=DATABASE_CONNECT_TIMEOUT,
    database_read=DATABASE_READ_TIMEOUT,
    s3_connect=PHOTO_S3_CONNECT_TIMEOUT,
    s3_read=PHOTO_S3_READ_TIMEOUT,
    s3_attempts=PHOTO_S3_MAX_ATTEMPTS,
    cache_connect=CACHE_CONNECT_TIMEOUT,
    cache_read=CACHE_READ_TIMEOUT,
    cache_attempts=1,
    broker_connect=CELERY_BROKER_CONNECTION_TIMEOUT,
    broker_read=CELERY_BROKER_SOCKET_TIMEOUT,
)
budget_check(REQUEST_BUDGET_PARTS, REQUEST_BUDGET_SECONDS)
CELERY_BEAT_SCHEDULE = {
    "purge-expired-photos-daily": {
        "task": "recommendations.tasks.photos_purge_expired_task",
        # 03:17 UTC: off the hour, when traffic is lowest in Europe.
        "schedule": crontab(minute=17, hour=3),
    },
    "celery-queue-depth-every-minute": {
        "task": "earfit.tasks.celery_queue_depth_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
