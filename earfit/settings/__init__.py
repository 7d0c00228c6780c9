"""Settings modules: `base` (complete, read from the environment), and `local`, `test` and
`production`, which only adjust it. `settings_module_select()` is the one rule that picks one."""

import os

DEFAULT_SETTINGS_MODULE = "earfit.settings.production"


def settings_module_select() -> str:
    """The settings module for `manage.py`, `wsgi.py` and `celery.py`: the one rule.

    `DJANGO_SETTINGS_MODULE` from the environment, or from a `.env` file in the project root; when
    neither names one, production, which refuses to start without its secrets. So a process that
    was not told otherwise never runs with local conveniences (debug, SQLite, inline tasks); the
    Makefile's targets ask for `earfit.settings.local`, pytest for `earfit.settings.test`.
    """
    import earfit.env  # noqa: F401 -- reads `.env` into the environment, so it can name the module too

    return os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS_MODULE)
