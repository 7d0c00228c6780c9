"""earfit's production settings with the benchmark's upload-only endpoint added (bench.upload_probe)."""

from earfit.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.upload_probe"
