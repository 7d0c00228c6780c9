"""Settings shared by every environment, complete and driven by the environment.

`local`, `test` and `production` only adjust these; `production` tightens them and requires secrets.
"""

from pathlib import Path

from botocore.config import Config
from celery.schedules import crontab

from earfit.env import BASE_DIR, env
from earfit.retention import photo_retention_days
from earfit.static_headers import add_cache_headers

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
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast when the database is down, so the API answers 503 instead of hanging.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DATABASE_CONNECT_TIMEOUT", default=3)
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

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://earfit")}
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
PHOTO_S3_OPTIONS = {
    "bucket_name": env.str("PHOTO_S3_BUCKET", default="earfit-photos"),
    "endpoint_url": env.str("PHOTO_S3_ENDPOINT_URL", default="") or None,
    "region_name": env.str("PHOTO_S3_REGION", default="eu-central-1"),
    "default_acl": None,
    "querystring_auth": True,
    "querystring_expire": PHOTO_URL_EXPIRE_SECONDS,
    "file_overwrite": True,
    "object_parameters": {"ServerSideEncryption": env.str("PHOTO_S3_SSE", default="AES256")},
    "client_config": Config(
        signature_version="s3v4",
        # A loopback or other custom endpoint has no per-bucket DNS names.
        s3={"addressing_style": "path" if env.str("PHOTO_S3_ENDPOINT_URL", default="") else "auto"},
        connect_timeout=env.float("PHOTO_S3_CONNECT_TIMEOUT", default=2.0),
        read_timeout=env.float("PHOTO_S3_READ_TIMEOUT", default=15.0),
        retries={"max_attempts": 2, "mode": "standard"},
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
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "earfit.api.exception_handlers.application_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "fitting_create": env.str("THROTTLE_FITTING_CREATE", default="30/hour"),
        "anon": env.str("THROTTLE_ANON", default="600/hour"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
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
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
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
