"""Domain errors: a broken rule has a stable code and writes nothing."""

from __future__ import annotations


class Refused(Exception):
    """A command refused with a stable `code`: nothing of it is written (every `DomainError`, and the
    HTTP layer's own problem raised inside a command); the group commit puts back what it touched."""

    code: str


class DomainError(Refused):
    """Base class. `code` is stable and part of the contract; `detail` is for people."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class InvalidInput(DomainError):
    """The input is wrong on its own (unknown article, negative amount, ...)."""


class RuleBroken(DomainError):
    """The input is fine, but the current state forbids it (a closed need, ...)."""


class NotFound(DomainError):
    """The named thing does not exist."""


class ConcurrentChange(DomainError):
    """Someone else changed the same thing at the same moment; try again."""


class VersionMismatch(DomainError):
    """The caller's expected version (If-Match) is not the current one."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__("version-mismatch", f"expected version {expected}, current version is {actual}")
        self.expected = expected
        self.actual = actual
