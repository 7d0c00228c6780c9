"""gunicorn's gthread worker, except that a new connection goes to an idle worker when there is one.

Every worker polls the one listening socket, and the kernel wakes them all for a new connection;
whichever calls accept() first keeps the connection for its whole keep-alive life. A worker
already measuring a photo is as quick to accept as an idle one, so two shoppers' connections
often landed on the same worker: its two threads then shared one interpreter lock and one core
while the other worker's core idled (`make bench`: 2 connections gave 1.06-1.29 x the photos per
second of 1, depending on which worker won). Here a worker with a request in progress waits
``BUSY_ACCEPT_DELAY`` before accepting, so an idle worker, woken at the same moment, takes the
connection; when every worker is busy the first to try still accepts it, 2 ms later.

The count of requests in progress is kept on the worker's main thread, where gunicorn hands a
connection to the thread pool (``enqueue_req``) and hears that it is done (``finish_request``).
"""

from __future__ import annotations

from time import sleep
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

BUSY_ACCEPT_DELAY = 0.002  # seconds


class IdleFirstThreadWorker(ThreadWorker):
    def init_process(self) -> None:
        self.in_progress = 0
        super().init_process()

    def enqueue_req(self, conn: Any) -> None:
        self.in_progress += 1
        super().enqueue_req(conn)

    def finish_request(self, conn: Any, fs: Any) -> None:
        self.in_progress -= 1
        super().finish_request(conn, fs)

    def accept(self, listener: Any) -> None:
        if self.in_progress:
            sleep(BUSY_ACCEPT_DELAY)
        super().accept(listener)
