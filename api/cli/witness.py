"""`ledger witness`: the auditor's own copy of the ledger, kept in step over HTTP (docs/auditors.md, "The auditor's
witness"). The comparison is projections/audit/witness.py and the copy projections/audit/witness_store.py; this
module only reads the ledger's audit endpoints (urllib, an auditor key from LEDGER_API_KEY) and reports.

Exit 0 when the ledger's history extends the copy (what was added is printed), 1 when it diverges (the first
diverging position named), 2 when input cannot be read: the server unreachable or refusing the key, the public
key file, a damaged copy.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import typer

from api.cli.common import err
from projections.audit.checkpoints import key_id_of, load_public_key
from projections.audit.witness import UNREADABLE, Unreadable, WitnessResult, held_items, merged, sync
from projections.audit.witness_store import Copy, CopyError

PAGE = 500  # the API's largest page
TIMEOUT = 60.0

UrlOpt = Annotated[str, typer.Option("--url", metavar="URL", help="the ledger's base URL, e.g. https://ledger.example")]
KeyOpt = Annotated[
    Path, typer.Option("--public-key", metavar="PEM", help="your own copy of the ledger's public key (PEM)")
]
DirOpt = Annotated[Path, typer.Option("--dir", metavar="DIR", help="where your copy is kept (made on the first run)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON")]


class Reader:
    """GET requests to the ledger's audit endpoints with the auditor's key; every failure is `Unreadable`."""

    def __init__(self, url: str, api_key: str) -> None:
        self.url, self.api_key = url.rstrip("/"), api_key

    def get(self, path: str, **params: int) -> dict[str, Any]:
        target = f"{self.url}{path}" + (f"?{urlencode(params)}" if params else "")
        request = Request(target, headers={"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"})
        try:
            with urlopen(request, timeout=TIMEOUT) as response:
                body = response.read()
        except HTTPError as e:
            raise Unreadable("http-error", _refusal(target, e)) from None
        except (URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", e)
            raise Unreadable("unreachable", f"cannot reach {self.url}: {reason}") from None
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise Unreadable("http-error", f"{target} did not answer a JSON object")
        return answer

    def page(self, path: str, after: int) -> tuple[list[Any], int | None, dict[str, Any]]:
        """One page of a paged endpoint: its items, the next `after` (None at the end), the whole answer."""
        answer = self.get(path, after=after, limit=PAGE)
        items, following = answer.get("items"), answer.get("next")
        if not isinstance(items, list) or not (following is None or type(following) is int):
            raise Unreadable("http-error", f"{self.url}{path} answered a page without items and next")
        return items, following, answer

    def items(self, path: str, first: tuple[list[Any], int | None, dict[str, Any]] | None = None) -> Iterator[Any]:
        """Every item of a paged endpoint, page by page (only one page in memory)."""
        items, following, _ = first or self.page(path, 0)
        while True:
            yield from items
            if following is None:
                return
            items, following, _ = self.page(path, following)


def _refusal(target: str, e: HTTPError) -> str:
    try:
        problem = json.loads(e.read())
        detail = f"{problem.get('code')}: {problem.get('detail')}" if isinstance(problem, dict) else ""
    except (ValueError, OSError):
        detail = ""
    if e.code in (401, 403):
        return f"the ledger refused the API key in LEDGER_API_KEY ({e.code} {detail}); an auditor key is needed"
    return f"{target} answered {e.code} {detail}".rstrip()


def _unreadable(code: str, message: str) -> WitnessResult:
    return WitnessResult(UNREADABLE, [{"code": code, "message": message}])


def _run(reader: Reader, copy: Copy, key: Any, key_id: str) -> tuple[WitnessResult, str | None]:
    """One sync: the ledger's log and checkpoints against the copy; the copy kept only if the ledger extends it."""
    served_key = reader.get("/v1/audit/public-key").get("key_id")
    first = reader.page("/v1/audit/log", 0)
    until = first[2].get("chained_to")
    if type(until) is not int:
        raise Unreadable("http-error", f"{reader.url}/v1/audit/log did not say how far the chain runs")
    pending: list[int] = []  # read the head before any checkpoint: no checkpoint below it can appear later
    served = merged(reader.items("/v1/audit/log", first), reader.items("/v1/audit/checkpoints"), until, pending)
    copy.begin()
    result = sync(served, held_items(copy.lines()), copy.held, key, copy)
    result.pending_checkpoints = len(pending)
    if result.exit_code == 0:
        copy.commit(result.held, key_id, reader.url)
    else:
        copy.discard()
    return result, served_key if isinstance(served_key, str) else None


def witness(url: UrlOpt, public_key: KeyOpt, directory: DirOpt, as_json: JsonOpt = False) -> None:
    """Keep your own copy of the ledger's audit log and checkpoints in DIR and check that the ledger's history
    extends it: exit 0 it does, 1 it diverges (a rewrite, a cut, a fork, a checkpoint that does not verify),
    2 unreadable input (server unreachable, key refused, bad public key, damaged copy). Needs LEDGER_API_KEY."""
    facts: dict[str, Any] = {"url": url, "dir": str(directory), "key_id": None, "served_key_id": None}
    api_key = os.environ.get("LEDGER_API_KEY", "").strip()
    try:
        key = load_public_key(public_key.read_bytes())
        facts["key_id"] = key_id = key_id_of(key.public_bytes_raw())
    except (OSError, ValueError, TypeError) as e:
        _report(_unreadable("bad-public-key", f"cannot read the public key {public_key}: {e}"), facts, as_json)
    if not api_key:
        _report(_unreadable("no-api-key", "set LEDGER_API_KEY to an auditor key of the ledger"), facts, as_json)
    try:
        copy = Copy.open(directory)
    except (CopyError, OSError) as e:
        _report(_unreadable("copy-unusable", str(e)), facts, as_json)
    try:
        kept_under = copy.state.key_id if copy.state else None
        if kept_under not in (None, key_id):
            message = f"the copy in {directory} was kept under key {kept_under}; {public_key} is key {key_id}"
            raise Unreadable("copy-key-differs", message)
        result, facts["served_key_id"] = _run(Reader(url, api_key), copy, key, key_id)
    except Unreadable as e:
        copy.discard()
        result = _unreadable(e.code, e.message)
    except (CopyError, OSError) as e:
        copy.discard()
        result = _unreadable("copy-unusable", f"cannot write the copy in {directory}: {e}")
    except Exception as e:  # a crash must never read as "diverged" (exit 1): it proves nothing either way
        copy.discard()
        result = _unreadable("witness-failed", f"the witness stopped on {type(e).__name__}: {e}; nothing was kept")
    finally:
        copy.close()
    _report(result, facts, as_json)


def _report(result: WitnessResult, facts: dict[str, Any], as_json: bool) -> NoReturn:
    if as_json:
        typer.echo(json.dumps({**result.to_dict(), **facts}))
    served, ours = facts.get("served_key_id"), facts.get("key_id")
    if served and ours and served != ours:
        err.print(f"[yellow]note:[/yellow] the ledger publishes key {served}; you trust {ours}", highlight=False)
    for reason in result.reasons:
        at = f" at position {reason['position']}" if "position" in reason else ""
        label = "[red]diverged[/red]" if result.exit_code == 1 else "[red]error:[/red]"
        err.print(f"{label}{at}: {reason['message']} ({reason['code']})", highlight=False, soft_wrap=True)
    if result.exit_code == 0 and not as_json:
        typer.echo(summary(result))
    raise typer.Exit(result.exit_code)


def summary(result: WitnessResult) -> str:
    held, last = result.held, result.held.checkpoint
    line = f"extends: +{result.added_records} records, +{result.added_checkpoints} checkpoints"
    if held.position is None:
        return f"{line}; the ledger's log is empty"
    line += f"; the copy holds {held.count} records up to position {held.position} (chain {held.chain_hash[:16]}…)"
    line += f", last checkpoint at {last.position}" if last else ", no checkpoint yet"
    if result.pending_checkpoints:
        line += f"; {result.pending_checkpoints} newer checkpoint(s) wait for the next run"
    return line
