"""gunicorn for earfit's web process (`docker/entrypoint web`; read by `gunicorn -c gunicorn.conf.py`).

Sizing: every worker holds its own onnxruntime session with INFERENCE_THREADS threads (1 unless
set), so workers = usable cores // INFERENCE_THREADS and a photo measured on every worker at once
never asks for more cores than the task has. Each worker serves WEB_THREADS requests at once
(gthread): a request mostly waits on S3, PostgreSQL or Redis, and those waits should not hold a
core. WEB_CONCURRENCY overrides the worker count.

Time: `timeout` restarts a worker whose main loop stopped answering; each dependency call has its
own shorter timeout, so a request ends with a 503 long before. `graceful_timeout` is below the 30 s
ECS waits between SIGTERM and SIGKILL: a task being stopped finishes its in-flight requests (an
upload included) and exits on its own. Workers are replaced after `max_requests` (with jitter, so
they do not all restart together) to bound any slow growth of memory.
"""

import contextlib
import ctypes
import os
from pathlib import Path

from earfit.settings import settings_module_select

settings_module_select()
os.environ.setdefault("INFERENCE_THREADS", "1")


def usable_cores() -> int:
    """Cores this process may use: the cgroup's CPU quota when one is set, else its CPU affinity."""
    cores = len(os.sched_getaffinity(0))
    cpu_max = Path("/sys/fs/cgroup/cpu.max")  # cgroup v2 (ECS on Fargate, podman)
    try:
        quota, period = cpu_max.read_text().split()
        if quota != "max":
            cores = min(cores, max(1, int(quota) // int(period)))
    except (OSError, ValueError):
        pass
    return cores


_inference_threads = max(1, int(os.environ["INFERENCE_THREADS"] or 1))

# Memory: glibc serves blocks above a threshold from mmap, returned to the system when freed, but
# raises that threshold (to 32 MiB) the first time such a block is freed, after which a decoded
# photo's full-size buffers come from a heap that keeps them. Fixed here, in the master, so every
# forked worker has it. At 128 KiB (the first fix: the hostile corpus's peak fell from 400.9 to
# 342.7 MB) every photo's buffers were fresh mmap pages: 2,360 page faults and ~18 ms of CPU a
# photo, and reading a 3.5 MB upload paid the same again. At 8 MiB the upload's and a reduced
# photo's buffers are reused from the heap, and full-size decodes (a 12 MP PNG: 36 MB) still go
# back at once; the heap's free top is kept up to 16 MiB (fixing the one threshold fixes this one
# at 128 KiB, which handed each photo's buffers back for the next to fault in again). `make
# bench-rss`: hostile corpus peak 303.1 MB, 1,000 photos 255.6 MB (README, "Ear photos").
M_TRIM_THRESHOLD = -1  # <malloc.h>
M_MMAP_THRESHOLD = -3
with contextlib.suppress(OSError):  # not glibc: its allocator has its own rules
    libc = ctypes.CDLL("libc.so.6")
    libc.mallopt(M_MMAP_THRESHOLD, 8 * 1024 * 1024)
    libc.mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024)

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 0) or max(1, usable_cores() // _inference_threads)
worker_class = "earfit.gunicorn_worker.IdleFirstThreadWorker"  # gthread; see that module
threads = int(os.environ.get("WEB_THREADS") or 2)

timeout = 60
graceful_timeout = 25
# Longer than the load balancer's idle timeout (60 s), so the ALB, not gunicorn, closes idle
# connections and never sends a request down one gunicorn has just closed.
keepalive = 65
max_requests = 1000
max_requests_jitter = 200

# A tmpfs: the heartbeat file is touched constantly, and the root filesystem is read-only.
worker_tmp_dir = "/dev/shm"  # noqa: S108 -- a RAM-backed directory, not a shared temporary path
# Each worker loads Django and its model session itself, after the fork. Preloading in the master
# was tried (a worker replaced after `max_requests` would start in milliseconds instead of ~1.2 s):
# importing the app starts native threads in the master (numpy's BLAS, OpenCV, onnxruntime: four
# threads), and a forked worker then aborted at exit ("std::system_error: Invalid argument"), so a
# stop took the whole graceful timeout (25 s) instead of about one second.
preload_app = False

logger_class = "earfit.gunicorn_logging.JsonLogger"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
