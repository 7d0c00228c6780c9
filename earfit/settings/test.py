"""Settings for the test suite: the database comes from DATABASE_URL (PostgreSQL in CI)."""

from earfit.env import BASE_DIR, env
from earfit.settings.base import *  # noqa: F403 -- settings modules extend base by design

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in production
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    # Every scope generous: a test that proves a limit sets its own rates.
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "10000/minute"),  # noqa: F405
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: tests that take the database down close the connection, which would
    # destroy an in-memory database. Benchmarks name their own file so they never share the tests'.
    _test_db = env.str("TEST_DATABASE_NAME", default=str(BASE_DIR / "var" / "test-earfit.sqlite3"))
    DATABASES["default"]["TEST"] = {"NAME": _test_db}  # noqa: F405

# The live server can start (for an earlier test) before the end-to-end fixture rebuilds the
# client, whose new hashed files WhiteNoise would otherwise never see: look files up per request.
WHITENOISE_AUTOREFRESH = True
