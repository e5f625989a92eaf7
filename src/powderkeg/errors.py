"""Errors a user sees. Each names the input and the problem in one line."""

from __future__ import annotations


class PowderkegError(Exception):
    """Base class: a failure reported to the user as one line, never a traceback."""

    exit_code = 1


class InputError(PowderkegError):
    """An input (file, row, item) that cannot be used. ``source`` names it."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class UsageError(PowderkegError):
    """Wrong arguments or options."""

    exit_code = 2
