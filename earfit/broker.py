"""The Redis broker transport, with one fix that keeps a worker alive through a broker outage.

kombu 5.7's Redis channel, when its connection is lost while it waits on BRPOP, first reads the
pending BRPOP reply in `close()`. With the server gone that read raises a connection error, so
`close()` stops before it marks the channel closed. Celery's consumer then `collect()`s the
connection, which detaches the transport (`transport.client = None`), and closes it once more;
the second `close()` now restores the unacknowledged messages (tasks waiting for their ETA, such
as retries in backoff), needs a new connection pool, reads its address from the detached
transport, and raises `AttributeError: 'NoneType' object has no attribute 'hostname'`. That is
not a connection error, so the worker stops with "Unrecoverable error".

Here the pending read's connection error is what it is, a lost connection: `close()` goes on, the
channel is closed once, while the transport is still attached. The unacknowledged messages stay
in Redis's unacked set, and the visibility timeout hands them out again. Selected with
`CELERY_BROKER_TRANSPORT` for `redis://` and `rediss://` broker URLs; the URL is read as kombu
reads it (address, AUTH token, TLS options such as `?ssl_cert_reqs=required`).
"""

from kombu.transport import redis


class Channel(redis.Channel):
    def close(self) -> None:
        if self._in_poll:
            try:
                self._brpop_read()
            except (redis.Empty, *self.connection_errors):
                pass  # the reply is lost with its connection; closing goes on
        super().close()


class Transport(redis.Transport):
    Channel = Channel
