"""Wait, with a bound, until the database accepts connections: `python -m earfit.wait_for_database`.

The container's `migrate` command runs this first, because a one-off migration task may start
while the database is still coming up (a new stack, a restore). It exits 0 once a connection
opens, or 1 after `--timeout` seconds (`DATABASE_WAIT_SECONDS`, 60 by default) naming the last
error, so the pipeline's migration step fails instead of hanging.
"""

import argparse
import os
import sys
import time


def database_wait(*, timeout: float, interval: float = 1.0) -> str | None:
    """None once the default database answers; else the last error after `timeout` seconds."""
    from django.db import OperationalError, connection

    deadline = time.monotonic() + timeout
    while True:
        try:
            connection.ensure_connection()
        except OperationalError as exc:
            connection.close()
            if time.monotonic() + interval > deadline:
                return str(exc).strip() or exc.__class__.__name__
            time.sleep(interval)
        else:
            return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("DATABASE_WAIT_SECONDS", "60")))
    args = parser.parse_args(argv)

    import django

    from earfit.settings import settings_module_select

    settings_module_select()
    django.setup()
    started = time.monotonic()
    error = database_wait(timeout=args.timeout)
    if error is not None:
        print(f"wait_for_database: no database after {args.timeout:.0f} s: {error}", file=sys.stderr)
        return 1
    print(f"wait_for_database: database answered after {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
