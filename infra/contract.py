"""What the infra program takes from the application, and the names its policy pack checks, in one place.

The container image, its commands, its user and the environment it reads are fixed by the
application's contracts; the photo retention days come from the application's own module
(`earfit/retention.py`), so the bucket lifecycle and `purge_expired_photos` cannot disagree.
The program, its policy pack and its tests all read these names from here.
"""

import importlib.util
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parent.parent
RETENTION_MODULE = REPO_ROOT / "earfit" / "retention.py"

# The image's entrypoint commands (`/app/docker/entrypoint <command>`).
COMMAND_WEB = "web"
COMMAND_WORKER = "worker"
COMMAND_BEAT = "beat"
COMMAND_MIGRATE = "migrate"
IMAGE_COMMANDS = (COMMAND_WEB, COMMAND_WORKER, COMMAND_BEAT, COMMAND_MIGRATE)

CONTAINER_USER = "10001:10001"
CONTAINER_PORT = 8000
WRITABLE_PATH = "/tmp"  # noqa: S108 - the one writable mount the image expects, a task-private volume
HEALTH_CHECK_PATH = "/healthz"  # liveness: the ALB's target health check
READINESS_PATH = "/readyz"  # every dependency answers: the pipeline's smoke test asks it through CloudFront

# Proxies that append to X-Forwarded-For in front of Django: CloudFront, then the ALB.
TRUSTED_PROXY_COUNT = 2

# Secrets reach the containers from Secrets Manager only, under these names.
SECRET_ENV_NAMES = ("DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL")

# The JSON log lines the alarms read (metric filters on the worker and beat log groups).
PURGE_COMPLETED_EVENT = "photos.purge_completed"
QUEUE_DEPTH_EVENT = "celery.queue_depth"
CELERY_QUEUE = "celery"

# The photo bucket's expiry rule, which the policy pack compares with the application's days.
PHOTO_EXPIRY_RULE_ID = "expire-photos"
# The one bucket allowed SSE-S3 (AWS log delivery writes nowhere else) carries this tag.
LOG_DELIVERY_TAG = ("encryption", "sse-s3-log-delivery")

# The upload path the WAF lets large bodies through on: POST /api/v1/fittings/{id}/photos.
UPLOAD_PATH_REGEX = "^/api/v1/fittings/[^/]+/photos/?$"


def _retention_module() -> ModuleType:
    # Loaded by path: importing the `earfit` package would start Celery, which this venv lacks.
    spec = importlib.util.spec_from_file_location("earfit_retention", RETENTION_MODULE)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {RETENTION_MODULE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def app_photo_retention_days() -> int:
    """The application's photo retention days, as its settings compute them (default environment)."""
    days: int = _retention_module().photo_retention_days(environ={})
    return days
