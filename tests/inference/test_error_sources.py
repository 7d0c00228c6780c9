"""error_sources: the figures it prints come from the service's own analysis of calibration renders."""

from __future__ import annotations

import numpy as np
import pytest

from inference.training.error_sources import NAMES, log_errors, spearman


def test_spearman_is_a_rank_correlation() -> None:
    a = np.array([0.1, 0.4, 0.2, 0.9, 0.5])
    assert spearman(a, a**3) == pytest.approx(1.0)
    assert spearman(a, -a) == pytest.approx(-1.0)
    assert abs(spearman(np.arange(8.0), np.array([3.0, 7.0, 1.0, 5.0, 0.0, 6.0, 2.0, 4.0]))) < 0.5


def test_log_errors_keeps_one_row_per_photo_given_millimetres() -> None:
    errors, tilted, sigmas = log_errors("2.1.0", 16)
    assert 0 < len(errors) <= 16
    assert errors.shape == sigmas.shape == (len(errors), len(NAMES))
    assert tilted.shape == (len(errors),)
    assert (sigmas > 0).all()
    assert (np.abs(errors) < 0.5).all()  # within a factor of 1.65 of the true sizes: measured, not noise
