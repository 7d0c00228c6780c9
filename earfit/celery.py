"""The Celery app: workers run `celery -A earfit worker`, the single beat `celery -A earfit beat`.

Configuration lives in Django settings under `CELERY_*` (see `earfit/settings/base.py`): acks late,
reject on worker lost, prefetch 1, so a worker that dies mid-task hands its message back to Redis
and another worker runs it again. Every task is therefore idempotent. Without a broker URL
(`make run`) tasks run eagerly.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "earfit.settings.local")

app = Celery("earfit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["earfit"])  # earfit/tasks.py: the project's own, outside any app
