"""The Celery app: workers run `celery -A earfit worker`, the single beat `celery -A earfit beat`.

Configuration lives in Django settings under `CELERY_*` (`earfit/settings/base.py`); the README's
"Photos, retention and background work" says how redelivery and retries behave.
"""

from celery import Celery

from earfit.settings import settings_module_select

settings_module_select()
app = Celery("earfit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["earfit"])  # earfit/tasks.py: the project's own, outside any app
