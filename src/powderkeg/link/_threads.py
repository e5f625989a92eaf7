"""One BLAS thread for the link stage's small dense algebra (threads only add contention)."""

from __future__ import annotations

import functools

from threadpoolctl import ThreadpoolController


@functools.lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    # finding the loaded BLAS libraries scans the process's libraries: do it once
    return ThreadpoolController()


def single_blas():
    """Context manager limiting BLAS to one thread."""
    return _controller().limit(limits=1, user_api="blas")
