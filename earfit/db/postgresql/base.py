"""Django's PostgreSQL backend, with a client-side bound on every wait for the server.

`statement_timeout` makes a busy server cancel a slow statement, and TCP keepalives with
`tcp_user_timeout` end a connection whose packets stop being acknowledged (a lost host, a
partitioned network). Neither helps when the server's kernel still acknowledges everything but
the server process answers nothing (frozen, swapped out, stopped): a worker would wait on its kept
connection for ever. So each wait of psycopg on the connection (a query, a commit, Django's
health check) gives up after `OPTIONS["read_timeout"]` seconds: the connection is closed (its
state is unknown) and the wait raises OperationalError, which the API answers with 503.
`read_timeout` should exceed `statement_timeout`, so a merely slow statement is cancelled by the
server first, with its own error, and the connection stays usable.
"""

from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg import errors

_WAIT_INTERVAL = 0.1  # psycopg's own: how often a wait looks up for a KeyboardInterrupt


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection whose waits end after `read_timeout` seconds (0: never)."""

    read_timeout: float = 0.0

    def wait(self, gen: Any, interval: float = _WAIT_INTERVAL, timeout: float | None = None) -> Any:
        bound = timeout if timeout is not None else (self.read_timeout or None)
        try:
            return super().wait(gen, interval=interval, timeout=bound)
        except errors._WaitTimeout:
            if timeout is not None:
                raise  # psycopg asked for this bound itself (notifies, cancellation)
            self.pgconn.finish()
            raise psycopg.OperationalError(f"the database did not answer within {bound} s") from None


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        params.pop("read_timeout", None)  # ours, not libpq's
        return params

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        # psycopg has no hook to choose the connection class; the subclass adds only a method.
        connection.__class__ = BoundedConnection
        connection.read_timeout = float(self.settings_dict["OPTIONS"].get("read_timeout") or 0)
        return connection
