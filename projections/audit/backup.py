"""Backup through the audit log: `ledger export log` (`Export`) writes every chained event with its stored bytes
and hashes, and every signed checkpoint, in the format of `log_format` (docs/audit-verify.md); `verify_file`
verifies such an export, and `restore` writes one back into an empty store.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from projections.audit import store as audit_store
from projections.audit.chain import LogRecord
from projections.audit.checkpoints import Checkpoint
from projections.audit.log_format import export_lines, read_jsonl_log
from projections.audit.records import event_name
from projections.audit.verify import verify_log
from projections.audit.verify_result import VerifyResult

Tick = Callable[[int], None]
Watch = Callable[[Iterator[dict[str, Any]]], Iterator[dict[str, Any]]]


class Export:
    """The export's lines, read page by page; `missing` counts chained positions with no event."""

    def __init__(self, svc: Any) -> None:
        self.svc, self.missing, self.count = svc, 0, 0
        with svc.db.transaction(commit=False) as tx:
            self.chained = audit_store.chained_head(tx)
            self.checkpoints = audit_store.checkpoints(tx, until=self.chained)

    def lines(self, tick: Tick | None = None) -> Iterator[str]:
        return export_lines(self._rows(tick), self.checkpoints)

    def _rows(self, tick: Tick | None) -> Iterator[tuple[LogRecord, bytes, bytes, dict[str, Any]]]:
        table, after = self.svc.events_table, 0
        while after < self.chained:
            with self.svc.db.transaction(commit=False) as tx:
                page = audit_store.log_page(tx, table, after, audit_store.PAGE)
            if not page:
                return
            for r in page:
                if r["position"] > self.chained:  # appended since we began: the next export's
                    return
                if r["state"] is None:  # exported as is, it would not verify: leave it out, say so
                    self.missing += 1
                    continue
                record = LogRecord(r["position"], r["stream_id"], r["version"], r["topic"], r["state"])
                metadata = {"type": event_name(r["topic"]), "recorded_at": r["recorded_at"], "actor": r["actor"]}
                self.count += 1
                leaf, chain = bytes.fromhex(r["leaf_hash"]), bytes.fromhex(r["chain_hash"])
                yield record, leaf, chain, metadata
            after = page[-1]["position"]
            if tick:
                tick(after)


def lines_of(path: str | os.PathLike[str], tick: Tick | None = None, digest: Any = None) -> Iterator[str]:
    """A file's lines, ticking the bytes read (for a progress bar) and feeding them to `digest` (a hashlib object)
    when given, so one read both verifies a file and names it by its SHA-256."""
    done, every = 0, 1 << 20
    with open(path, "rb") as handle:
        for raw in handle:
            done += len(raw)
            if digest is not None:
                digest.update(raw)
            if tick and done % every < len(raw):
                tick(done)
            yield raw.decode("utf-8")
    if tick:
        tick(done)


def verify_file(
    path: Path,
    public_keys: Any,
    given: Iterable[Checkpoint] = (),
    tick: Tick | None = None,
    watch: Watch | None = None,
    digest: Any = None,
) -> tuple[VerifyResult, list[dict[str, Any]]]:
    """Verify an export; answers the result and the checkpoint lines met on the way. `watch` sees every object of
    the file on the way to the verifier (e.g. `accepted.watching`), `digest` every byte (e.g. hashlib.sha256())."""
    seen: list[dict[str, Any]] = []

    def noting(objects: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for obj in objects:
            if obj.get("kind") == "checkpoint":
                seen.append(obj)
            yield obj

    objects = read_jsonl_log(lines_of(path, tick, digest))
    result = verify_log(noting(watch(objects) if watch else objects), given, public_keys)
    return result, seen
