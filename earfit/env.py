"""The one place that reads the environment.

Every variable the project reads is listed in `.env.example` with its default. A `.env` file in the
project root is read when present (local use only); real deployments pass the environment.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_dotenv = BASE_DIR / ".env"
if _dotenv.is_file():
    env.read_env(str(_dotenv))
