"""How long ear photos are kept: the one number both expiry paths read.

Django-free on purpose. The settings read it (`PHOTO_RETENTION_DAYS`), the purge uses it through
`expires_at`, and the infra program (Pulumi, not written yet) is to import this module for the
photo bucket's lifecycle rule, so the bucket's expiry and `purge_expired_photos` cannot disagree:

    from earfit.retention import photo_retention_days
    lifecycle_days = photo_retention_days()  # expire current and noncurrent versions after this

The environment variable `PHOTO_RETENTION_DAYS` overrides the default of 90 days, the period the
consent's retention statement promises.
"""

import os

DEFAULT_PHOTO_RETENTION_DAYS = 90


def photo_retention_days(environ: dict[str, str] | None = None) -> int:
    """Days an ear photo and its measurements are kept after upload (at least 1)."""
    raw = (os.environ if environ is None else environ).get("PHOTO_RETENTION_DAYS", "").strip()
    days = int(raw) if raw else DEFAULT_PHOTO_RETENTION_DAYS
    if days < 1:
        raise ValueError(f"PHOTO_RETENTION_DAYS must be at least 1, not {days}")
    return days
