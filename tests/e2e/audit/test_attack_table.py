"""The attack table of docs/auditors.md ("Attacks and what detects them"), row by row, on SQLite and PostgreSQL.

Every row is one test: the attack is made on a copy of a small ledger (61 records, checkpoints at CHECKPOINTS) and
each detector the table names runs as an auditor or operator runs it, through the real `ledger` command: `ledger
verify` where the ledger's key file is, `ledger verify --public-key` where it is not, the same with the checkpoint
the auditor saved (`--checkpoint`), and `ledger witness` with a copy it made before the attack, against a real
server on the attacked store. For an exported file: `ledger verify --log` offline, and `ledger restore` into an
empty store, which must write nothing when it refuses. Each asserts the exit code and the position named.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.http.app import create_app
from api.root.services import Services
from api.root.settings import Settings
from projections.audit.checkpoints import SigningKey
from tests.e2e.audit.commands import export, run, verdict
from tests.e2e.audit.test_restore_proof import lines_of, untouched, write
from tests.e2e.audit.test_seals import insert_behind
from tests.e2e.audit.test_witness import cut_from, witness
from tests.support import attacks, tamper
from tests.support.ledgers import identify_many
from tests.support.processes import environment_of
from tests.support.servers import LiveServer
from tests.support.stores import empty_store, new_database, opened

# the ledger every attack starts from: an auditor's key (position 1), then 60 needs; the runner signs the first
# batch, then every 10 records, and `ledger export log` signs the tail (61)
CHECKPOINTS = (5, 15, 25, 35, 45, 55, 61)
HEAD = 61
TARGET = 21  # the record attacked: between the checkpoints at 15 and 25
CUT = 52  # truncation: records from here on are gone (three before the checkpoint at 55)
OTHER_KEY = SigningKey.generate()  # a tamperer's own key


@dataclass(frozen=True)
class Seen:
    """What one detector answers: its exit code, and the first reason's code and positions (those given)."""

    exit: int
    code: str | None = None
    position: int | None = None
    first: int | None = None  # "from"
    last: int | None = None  # "to"
    count: int | None = None


PROVEN = Seen(0)


@dataclass(frozen=True)
class Pristine:
    kind: str
    settings: Settings  # the closed ledger each test copies
    auditor: str  # an auditor's API key, for the witness
    public: Path  # the auditor's copy of the public key
    saved: Path  # the latest checkpoint, saved by the auditor (`ledger audit checkpoint`)
    export: Path  # `ledger export log` of the ledger
    witness: Path  # the auditor's witness copy, in sync with the ledger


def serving(svc: Services) -> LiveServer:
    """The real app on this store, its projections not running: it serves what the store holds, signing nothing."""
    return LiveServer(create_app(svc.settings, services=svc, run_projections=False))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def pristine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pristine]:
    """The ledger, built once per store, with what an auditor keeps of it: public key, saved checkpoint, export,
    witness copy."""
    folder = tmp_path_factory.mktemp("attacks")
    with new_database(request.param, folder) as url:
        settings = attacks.cadence(Settings(database_url=url, signing_key_file=folder / "key.pem", log_format="json"))
        with opened(settings) as svc:
            auditor = svc.ledger.issue_key("the attack table's auditor", "auditor")[1]
            identify_many(svc.ledger, attacks.EVENTS)
            svc.runner.catch_up()
            exported = export(svc, folder / "export.jsonl")
            saved, public = folder / "saved.json", folder / "public.pem"
            saved.write_text(run(svc, "audit", "checkpoint").stdout)
            public.write_bytes(svc.signing_key.public_key_pem())
            with serving(svc) as server:
                code, _, said = witness(
                    environment_of(settings, LEDGER_API_KEY=auditor), server.url, public, folder / "w"
                )
            assert code == 0, said
            assert tuple(tamper.checkpoint_positions(svc)) == CHECKPOINTS and svc.runner.head() == HEAD
        attacks.settle(settings)
        yield Pristine(request.param, settings, auditor, public, saved, exported, folder / "w")


def judged(exit_code: int, answer: dict[str, Any], said: str, seen: Seen) -> None:
    """A detector's answer is what the table says: its exit code, and its first reason's code and positions (for
    verify's own failures, its first bad position too)."""
    assert exit_code == seen.exit, said
    if seen.exit == 0:
        return
    assert seen.position is not None or seen.count is not None  # every row names where
    wanted = {"code": seen.code, "position": seen.position, "from": seen.first, "to": seen.last, "count": seen.count}
    wanted = {k: v for k, v in wanted.items() if v is not None}
    assert {k: answer["reasons"][0].get(k) for k in wanted} == wanted, said
    if answer.get("problem"):
        assert answer["first_bad_position"] == seen.position, said


# ---------------------------------------------------------------- the live database


@dataclass(frozen=True)
class DatabaseRow:
    attack: Callable[[Services], object]
    verify: Seen  # `ledger verify` on the ledger's host, with its key file
    public: Seen  # `ledger verify --public-key` where no key file is
    saved: Seen  # the same with `--checkpoint` the latest checkpoint the auditor saved
    witness: Seen  # `ledger witness` with a copy it made before the attack
    readyz: int = 200  # what the ledger's /readyz answers
    unsealed: int | None = None  # the position its 503 names


def _alter_recompute(svc: Services) -> None:
    attacks.alter_amount(svc, TARGET)
    tamper.rewrite_chain_from(svc, TARGET)


def _resign(key: SigningKey | None) -> Callable[[Services], None]:
    def attack(svc: Services) -> None:
        _alter_recompute(svc)
        tamper.resign_stored_checkpoints(svc, key)

    return attack


def _insert_behind(svc: Services) -> None:
    insert_behind(svc)
    svc.runner.catch_up()  # the ledger's runner chains it (and, were one due, would sign only up to it)


def alike(attack: Callable[[Services], object], verify: Seen, witness: Seen) -> DatabaseRow:
    """A row where verify answers the same with the key file, the public key alone, and the saved checkpoint."""
    return DatabaseRow(attack, verify, verify, verify, witness)


LINK_55 = Seen(1, "signed-link-missing", 55)  # the saved checkpoint (61) names the one at 55 as its predecessor
DATABASE: dict[str, DatabaseRow] = {
    "alter": alike(
        lambda svc: attacks.alter_amount(svc, TARGET),
        Seen(1, "leaf-hash-mismatch", TARGET),
        Seen(1, "record-changed", TARGET),
    ),
    "delete": alike(
        lambda svc: tamper.delete(svc, TARGET), Seen(1, "record-missing", TARGET), Seen(1, "record-deleted", TARGET)
    ),
    "insert": alike(
        lambda svc: tamper.insert_forged(svc, TARGET),
        Seen(1, "leaf-hash-mismatch", TARGET),
        Seen(1, "record-changed", TARGET),
    ),
    "reorder": alike(
        lambda svc: tamper.swap(svc, TARGET, TARGET + 1),
        Seen(1, "leaf-hash-mismatch", TARGET),
        Seen(1, "record-changed", TARGET),
    ),
    "recompute-hashes": alike(
        _alter_recompute, Seen(1, "checkpoint-not-on-chain", 25, 16), Seen(1, "record-changed", TARGET)
    ),
    "recompute-hashes-and-delete-every-checkpoint": DatabaseRow(
        lambda svc: (_alter_recompute(svc), tamper.delete_checkpoints(svc)),
        verify=Seen(1, "record-unsealed", TARGET),
        public=Seen(3, "unsigned-tail", None, 1, HEAD, HEAD),
        saved=Seen(1, "checkpoint-not-on-chain", HEAD),
        witness=Seen(1, "checkpoint-vanished", 5),
        readyz=503,
        unsealed=TARGET,
    ),
    "delete-a-middle-checkpoint": alike(
        lambda svc: tamper.delete_checkpoints(svc, [25]),
        Seen(1, "signed-link-missing", 25),
        Seen(1, "checkpoint-vanished", 25),
    ),
    "delete-every-checkpoint": DatabaseRow(
        tamper.delete_checkpoints,
        verify=Seen(3, "unsigned-tail", None, 1, HEAD, HEAD),
        public=Seen(3, "unsigned-tail", None, 1, HEAD, HEAD),
        saved=LINK_55,
        witness=Seen(1, "checkpoint-vanished", 5),
    ),
    "delete-the-last-checkpoint": alike(
        lambda svc: tamper.delete_checkpoints(svc, [HEAD]), PROVEN, Seen(1, "checkpoint-vanished", HEAD)
    ),
    "delete-the-last-checkpoints-beyond-one-cadence": DatabaseRow(
        lambda svc: tamper.delete_checkpoints(svc, [45, 55, 61]),
        verify=Seen(3, "unsigned-tail", None, 36, HEAD, HEAD - 35),
        public=Seen(3, "unsigned-tail", None, 36, HEAD, HEAD - 35),
        saved=LINK_55,
        witness=Seen(1, "checkpoint-vanished", 45),
    ),
    "truncate-with-its-checkpoints": DatabaseRow(
        lambda svc: cut_from(svc, CUT),
        verify=PROVEN,
        public=PROVEN,
        saved=Seen(1, "log-ends-before-checkpoint", HEAD, 46),
        witness=Seen(1, "log-cut", CUT),
    ),
    "truncate-leaving-its-checkpoints": alike(
        lambda svc: attacks.cut_records(svc, CUT),
        Seen(1, "log-ends-before-checkpoint", 55, 46),
        Seen(1, "log-cut", CUT),
    ),
    "re-sign-with-another-key": alike(
        _resign(OTHER_KEY), Seen(1, "checkpoint-signature-invalid", 5), Seen(1, "checkpoint-changed", 5)
    ),
    "operator-with-the-real-key": DatabaseRow(
        _resign(None),
        verify=PROVEN,
        public=PROVEN,
        saved=Seen(1, "checkpoint-not-on-chain", HEAD, 56),
        witness=Seen(1, "record-changed", TARGET),
    ),
    "rows-inserted-behind-the-application": DatabaseRow(
        _insert_behind,
        verify=Seen(1, "record-unsealed", HEAD + 1),
        public=PROVEN,
        saved=PROVEN,
        witness=PROVEN,
        readyz=503,
        unsealed=HEAD + 1,
    ),
}


@pytest.mark.parametrize("row", DATABASE)
def test_an_attack_on_the_live_database(row: str, pristine: Pristine, tmp_path: Path) -> None:
    expected = DATABASE[row]
    held = shutil.copytree(pristine.witness, tmp_path / "witness")  # the auditor's copy, made before the attack
    with attacks.copy_of(pristine.settings, tmp_path) as settings, opened(settings) as svc:
        # given the attack on the ledger's database
        expected.attack(svc)
        # then `ledger verify` on the ledger's host, where its key file is, says what the table says
        code, answer, said = verdict(settings)
        judged(code, answer, said, expected.verify)
        # and an auditor's, with only the public key, then with the checkpoint they saved
        auditor = settings.model_copy(update={"signing_key_file": tmp_path / "no-key-here.pem"})
        code, answer, said = verdict(auditor, "--public-key", str(pristine.public))
        judged(code, answer, said, expected.public)
        code, answer, said = verdict(auditor, "--public-key", str(pristine.public), "--checkpoint", str(pristine.saved))
        judged(code, answer, said, expected.saved)
        # and the auditor's witness, syncing with the ledger's server
        with serving(svc) as server:
            env = environment_of(settings, LEDGER_API_KEY=pristine.auditor)
            code, answer, said = witness(env, server.url, pristine.public, held)
            ready = httpx.get(f"{server.url}/readyz", timeout=30)
        judged(code, answer, said, expected.witness)
        if code == 0:  # it holds what it was served, and no checkpoint signs what is new
            assert answer["added"]["checkpoints"] == 0, said
        # and the ledger's own /readyz
        assert ready.status_code == expected.readyz, ready.text
        if expected.readyz == 503:
            assert ready.json()["errors"] == [{"code": "unsealed-record", "position": expected.unsealed}]


# ---------------------------------------------------------------- an exported file

Lines = list[dict[str, Any]]


@dataclass(frozen=True)
class FileRow:
    edit: Callable[[Lines, SigningKey], Lines]  # the export's lines, the ledger's own key -> the attacked lines
    verify: Seen  # `ledger verify --log FILE --public-key`, offline
    saved: Seen  # the same with `--checkpoint` the saved checkpoint
    restore: Seen  # `ledger restore FILE` into an empty store, where the ledger's key file is
    restore_saved: Seen  # the same with `--checkpoint`


def everywhere(edit: Callable[[Lines, SigningKey], Lines], seen: Seen) -> FileRow:
    """A row every detector answers alike."""
    return FileRow(edit, seen, seen, seen, seen)


def recomputed(lines: Lines, key: SigningKey) -> Lines:
    return attacks.recomputed(lines, TARGET)


FILE: dict[str, FileRow] = {
    "alter": everywhere(lambda lines, _: attacks.altered_line(lines, TARGET), Seen(1, "leaf-hash-mismatch", TARGET)),
    "delete": everywhere(
        lambda lines, _: attacks.deleted_line(lines, TARGET), Seen(1, "chain-hash-mismatch", TARGET + 1)
    ),
    "insert": everywhere(
        lambda lines, _: attacks.inserted_line(lines, TARGET), Seen(1, "leaf-hash-mismatch", TARGET + 1)
    ),
    "reorder": everywhere(
        lambda lines, _: attacks.exchanged_lines(lines, TARGET), Seen(1, "chain-hash-mismatch", TARGET + 1)
    ),
    "recompute-hashes": everywhere(recomputed, Seen(1, "checkpoint-not-on-chain", 25, 16)),
    "recompute-hashes-and-delete-every-checkpoint": FileRow(
        lambda lines, key: attacks.without_checkpoints(recomputed(lines, key)),
        verify=Seen(3, "unsigned-tail", None, 1, HEAD, HEAD),
        saved=Seen(1, "checkpoint-not-on-chain", HEAD),
        restore=Seen(3, "unsigned-tail", None, 1, HEAD, HEAD),
        restore_saved=Seen(1, "checkpoint-not-on-chain", HEAD),
    ),
    "delete-a-middle-checkpoint": everywhere(
        lambda lines, _: attacks.without_checkpoints(lines, [25]), Seen(1, "signed-link-missing", 25)
    ),
    "delete-every-checkpoint": FileRow(
        lambda lines, _: attacks.without_checkpoints(lines),
        verify=Seen(3, "unsigned-tail", None, 1, HEAD, HEAD),
        saved=LINK_55,
        restore=Seen(3, "unsigned-tail", None, 1, HEAD, HEAD),
        restore_saved=LINK_55,
    ),
    "delete-the-last-checkpoints-beyond-one-cadence": FileRow(
        lambda lines, _: attacks.without_checkpoints(lines, [45, 55, 61]),
        verify=Seen(3, "unsigned-tail", None, 36, HEAD, HEAD - 35),
        saved=LINK_55,
        restore=Seen(3, "unsigned-tail", None, 36, HEAD, HEAD - 35),
        restore_saved=LINK_55,
    ),
    "truncate-with-its-checkpoints": FileRow(
        lambda lines, _: attacks.cut_after(lines, CUT - 1),
        verify=PROVEN,
        saved=Seen(1, "log-ends-before-checkpoint", HEAD, 46),
        restore=PROVEN,
        restore_saved=Seen(1, "log-ends-before-checkpoint", HEAD, 46),
    ),
    "truncate-leaving-its-checkpoints": everywhere(
        lambda lines, _: [line for line in lines if line.get("kind") != "event" or line["position"] < CUT],
        Seen(1, "log-ends-before-checkpoint", 55, 46),
    ),
    "re-sign-with-another-key": everywhere(
        lambda lines, key: attacks.resigned(recomputed(lines, key), OTHER_KEY),
        Seen(1, "checkpoint-signature-invalid", 5),
    ),
    "operator-with-the-real-key": FileRow(
        lambda lines, key: attacks.resigned(recomputed(lines, key), key),
        verify=PROVEN,
        saved=Seen(1, "checkpoint-not-on-chain", HEAD, 56),
        restore=PROVEN,
        restore_saved=Seen(1, "checkpoint-not-on-chain", HEAD, 56),
    ),
}


def offline(directory: Path) -> Settings:
    """An auditor's machine: no database and no key can be there (their folder is a file), the ledger's cadence."""
    nowhere = directory / "not-a-directory"
    nowhere.write_text("")
    return attacks.cadence(Settings(database_url=f"sqlite:///{nowhere}/ledger.db", signing_key_file=nowhere / "k.pem"))


def restored(target: Settings, path: str, *args: str) -> tuple[int, dict[str, Any], str]:
    """`ledger restore --json` into `target`: its exit code, JSON answer and stderr."""
    done = run(target, "restore", "--json", path, *args)
    return done.returncode, json.loads(done.stdout or "{}"), done.stderr


@pytest.mark.parametrize("row", FILE)
def test_an_attack_on_an_exported_file(row: str, pristine: Pristine, tmp_path: Path) -> None:
    expected = FILE[row]
    # given the attack on an export of the ledger
    lines = expected.edit(lines_of(pristine.export), SigningKey.load(pristine.settings.key_file))
    path = str(write(tmp_path / "attacked.jsonl", lines))
    # then `ledger verify --log` offline with the public key, then with the saved checkpoint, says what the table says
    auditor, key, saved = offline(tmp_path), str(pristine.public), str(pristine.saved)
    judged(*verdict(auditor, "--log", path, "--public-key", key), expected.verify)
    judged(*verdict(auditor, "--log", path, "--public-key", key, "--checkpoint", saved), expected.saved)
    # and `ledger restore` into an empty store where the ledger's key file is: with the saved checkpoint, then without
    with empty_store(pristine.kind, tmp_path, pristine.settings.key_file) as target:
        target = attacks.cadence(target)
        code, answer, said = restored(target, path, "--checkpoint", saved)
        judged(code, answer, said, expected.restore_saved)
        assert code != 0 and "nothing written" in said
        untouched(target, key_existed=True)
        code, answer, said = restored(target, path)
        judged(code, answer, said, expected.restore)
        if code != 0:
            assert "nothing written" in said
            untouched(target, key_existed=True)
        else:  # restored: every record of the file, and the chain head equals the file's
            assert answer["restored"] and answer["last_position"] == attacks.events_of(lines)[-1], said
