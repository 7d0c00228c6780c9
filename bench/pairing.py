"""Speed-ups measured in pairs: on a shared machine, the load of the moment drifts by tens of percent."""

import statistics


def paired_speedup(slow: list[float], fast: list[float]) -> float:
    """The median over rounds of slow / fast, each pair timed back to back.

    The pairs share the machine's state of the moment, so drift cancels in each ratio; the ratio
    of the two medians is printed beside it for comparison.
    """
    return statistics.median(s / f for s, f in zip(slow, fast, strict=True))
