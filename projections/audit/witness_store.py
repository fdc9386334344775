"""The witness's copy on disk, in the auditor's DIR (docs/auditors.md, "The auditor's witness"):

- `log.jsonl`: the records and checkpoints in the export format (docs/audit-verify.md, "The exported log"), each
  checkpoint right after the record at its position, so `ledger verify --log DIR/log.jsonl` reads the copy;
- `checkpoints.jsonl`: the same checkpoints alone, one per line, for `ledger verify --checkpoint`;
- `state.json`: what the copy holds (head position, count, chain head, last checkpoint) and the byte length of
  each file that holds it.

Appends are fsync'd before `state.json` is replaced (temporary file, fsync, rename, fsync of the directory), so a
crash mid-run leaves files longer than the state says, never a state claiming more than the files hold; the next
run cuts the unclaimed tail off. A run that does not end in "extends" takes back what it appended.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from projections.audit.checkpoints import Checkpoint
from projections.audit.log_format import FORMAT
from projections.audit.witness import Held, Unreadable

STATE_FORMAT = "uncac-ledger-witness/1"
LOG, CHECKPOINTS, STATE, LOCK = "log.jsonl", "checkpoints.jsonl", "state.json", ".lock"
HEADER = {"kind": "header", "format": FORMAT, "written_by": "ledger witness"}

__all__ = ["CHECKPOINTS", "LOG", "STATE", "STATE_FORMAT", "Copy", "CopyError", "State"]


class CopyError(Exception):
    """DIR cannot hold a copy, or the copy in it is damaged (exit 2)."""


def _dumps(obj: Mapping[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


@dataclass(frozen=True, slots=True)
class State:
    """The state file: what the copy holds and how many bytes of each file hold it."""

    held: Held
    log_bytes: int = 0
    checkpoints_bytes: int = 0
    checkpoints: int = 0
    key_id: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        cp = self.held.checkpoint
        return {
            "format": STATE_FORMAT,
            "position": self.held.position,
            "count": self.held.count,
            "chain_hash": self.held.chain_hash,
            "checkpoint": cp.to_dict() if cp else None,
            "checkpoints": self.checkpoints,
            "log_bytes": self.log_bytes,
            "checkpoints_bytes": self.checkpoints_bytes,
            "key_id": self.key_id,
            "url": self.url,
        }

    @classmethod
    def from_dict(cls, data: Any) -> State:
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise ValueError(f"not a witness state (format {STATE_FORMAT})")
        numbers = [data.get(k) for k in ("count", "checkpoints", "log_bytes", "checkpoints_bytes")]
        if any(type(n) is not int or n < 0 for n in numbers):
            raise ValueError("counts and sizes must be non-negative integers")
        position = data.get("position")
        if position is not None and (type(position) is not int or position < 0):
            raise ValueError("position must be a non-negative integer or null")
        if not isinstance(data.get("chain_hash"), str) or len(data["chain_hash"]) != 64:
            raise ValueError("chain_hash must be 64 hex characters")
        checkpoint = Checkpoint.from_dict(data["checkpoint"]) if data.get("checkpoint") else None
        held = Held(position, data["count"], data["chain_hash"], checkpoint)
        return cls(
            held, data["log_bytes"], data["checkpoints_bytes"], data["checkpoints"], data.get("key_id"), data.get("url")
        )


def _leftover(path: Path) -> bool:
    """A file a first run left when it crashed before its state file: ours to overwrite. A log.jsonl is ours only
    if it starts with the witness's header (an export someone put there is not)."""
    if path.name in (CHECKPOINTS, LOCK):
        return True
    if path.name != LOG:
        return False
    with open(path, "rb") as handle:
        return handle.read(len(_dumps(HEADER))) in (_dumps(HEADER), b"")


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomically(path: Path, data: bytes) -> None:
    """Temporary file in the same directory, fsync, rename over `path`, fsync the directory."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class Copy:
    """The copy in `directory`. `open` reads nothing but the state; `lines` streams the held log; `begin`, the
    appends, then `commit` or `discard` change it."""

    def __init__(self, directory: Path, state: State | None) -> None:
        self.directory, self.state = directory, state
        self._lock: IO[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._checkpoints: IO[bytes] | None = None
        self._created_dir = False
        self.added_checkpoints = 0

    @property
    def fresh(self) -> bool:
        return self.state is None

    @property
    def held(self) -> Held:
        return self.state.held if self.state else Held()

    @classmethod
    def open(cls, directory: Path) -> Copy:
        """The copy in `directory` (absent or empty: a fresh copy); CopyError when it is damaged or not a copy."""
        if directory.exists() and not directory.is_dir():
            raise CopyError(f"{directory} is not a directory")
        state_path = directory / STATE
        if not state_path.exists():
            strangers = [p.name for p in directory.iterdir() if not _leftover(p)] if directory.exists() else []
            if strangers:
                names = ", ".join(sorted(strangers)[:3])
                raise CopyError(f"{directory} is neither empty nor a witness copy (it holds {names})")
            return cls(directory, None)
        try:
            state = State.from_dict(json.loads(state_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, KeyError) as e:
            raise CopyError(f"{state_path} is unreadable: {e}") from None
        for name, size in ((LOG, state.log_bytes), (CHECKPOINTS, state.checkpoints_bytes)):
            path = directory / name
            if not path.is_file() or path.stat().st_size < size:
                raise CopyError(f"the copy is damaged: {path} holds less than {STATE} records")
        copy = cls(directory, state)
        copy._take_lock()
        return copy

    def _take_lock(self) -> None:
        """One run at a time per copy: a second one fails at once instead of interleaving appends."""
        self._lock = open(self.directory / LOCK, "ab")  # noqa: SIM115 - held for the whole run
        try:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            self._lock = None
            raise CopyError(f"another witness run is using {self.directory}") from None

    def lines(self) -> Iterator[dict[str, Any]]:
        """The held log's lines as JSON objects: exactly the bytes the state claims, one line at a time."""
        if self.state is None:
            return
        remaining = self.state.log_bytes
        with open(self.directory / LOG, "rb") as handle:
            number = 0
            while remaining > 0:
                raw = handle.readline(remaining)
                number += 1
                remaining -= len(raw)
                if not raw.endswith(b"\n"):
                    raise Unreadable("copy-damaged", f"the copy's {LOG} is cut at line {number}")
                try:
                    obj = json.loads(raw)
                except ValueError as e:
                    raise Unreadable("copy-damaged", f"the copy's {LOG} line {number} is not JSON: {e}") from None
                if not isinstance(obj, dict):
                    raise Unreadable("copy-damaged", f"the copy's {LOG} line {number} is not a JSON object")
                yield obj

    def begin(self) -> None:
        """Ready to append: DIR made if need be, any unclaimed tail of a crashed run cut off."""
        if not self.directory.exists():
            self.directory.mkdir(parents=True)
            self._created_dir = True
        if self._lock is None:
            self._take_lock()
        self._log = self._open_at(LOG, self.state.log_bytes if self.state else 0)
        self._checkpoints = self._open_at(CHECKPOINTS, self.state.checkpoints_bytes if self.state else 0)
        if self.fresh:
            self._log.write(_dumps(HEADER))

    def _open_at(self, name: str, size: int) -> IO[bytes]:
        handle = open(self.directory / name, "ab")  # noqa: SIM115 - closed by close()
        handle.truncate(size)
        return handle

    def record(self, line: dict[str, Any]) -> None:
        assert self._log is not None, "begin() first"
        self._log.write(_dumps(line))

    def checkpoint(self, checkpoint: Checkpoint) -> None:
        assert self._log is not None and self._checkpoints is not None, "begin() first"
        line = _dumps(checkpoint.to_dict())
        self._log.write(line)
        self._checkpoints.write(line)
        self.added_checkpoints += 1

    def commit(self, held: Held, key_id: str | None, url: str | None) -> State:
        """Make the appends durable, then the state that claims them (written last)."""
        assert self._log is not None and self._checkpoints is not None, "begin() first"
        for handle in (self._log, self._checkpoints):
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_dir(self.directory)  # new files' names
        before = self.state.checkpoints if self.state else 0
        sizes = [os.fstat(handle.fileno()).st_size for handle in (self._log, self._checkpoints)]
        state = State(held, sizes[0], sizes[1], before + self.added_checkpoints, key_id, url)
        _write_atomically(self.directory / STATE, json.dumps(state.to_dict(), indent=1).encode("utf-8") + b"\n")
        self.state = state
        return state

    def discard(self) -> None:
        """Take back everything this run appended; a fresh copy leaves nothing behind."""
        for handle, name in ((self._log, LOG), (self._checkpoints, CHECKPOINTS)):
            if handle is None:
                continue
            if self.state is None:
                handle.close()
                (self.directory / name).unlink(missing_ok=True)
            else:
                handle.truncate(self.state.log_bytes if name == LOG else self.state.checkpoints_bytes)
        if self.state is None and self._lock is not None:
            (self.directory / LOCK).unlink(missing_ok=True)
        if self._created_dir:
            with contextlib.suppress(OSError):
                self.directory.rmdir()

    def close(self) -> None:
        for handle in (self._log, self._checkpoints, self._lock):
            if handle is not None and not handle.closed:
                handle.close()
        self._log = self._checkpoints = self._lock = None
