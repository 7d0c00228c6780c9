"""The embedded default for `make run`: SQLite, local files, no broker, debug on."""

from earfit.env import env
from earfit.settings.base import *  # noqa: F403 -- settings modules extend base by design

DEBUG = env.bool("DJANGO_DEBUG", default=True)
