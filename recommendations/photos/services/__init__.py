"""Writes for ear photos, one module per job: `upload` (ingest), `staff_view` (audited), `purge`."""
