"""The README's walkthroughs by role run as written: every block marked `<!-- walkthrough -->` is run, in
order, in one bash session (`set -euo pipefail`, `curl --fail-with-body`), against `ledger demo` then
`ledger serve --demo` on a fresh store, as `make run` does; together they call every write endpoint."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from api.http.app import create_app
from api.root.settings import Settings
from tests import paths
from tests.support.processes import environment, ledger, serving

README = paths.ROOT / "README.md"
BLOCK = re.compile(r"<!-- walkthrough -->\n```bash\n(.*?)```", re.S)

pytestmark = pytest.mark.skipif(not (shutil.which("jq") and shutil.which("curl")), reason="needs jq and curl")


def walkthroughs() -> str:
    return "\n".join(BLOCK.findall(README.read_text(encoding="utf-8")))


def write_endpoints(folder: Path) -> set[tuple[str, str]]:
    settings = Settings(database_url=f"sqlite:///{folder}/ledger.db", signing_key_file=folder / "k.pem")
    app = create_app(settings, run_projections=False)
    doc = app.openapi()
    return {(m.upper(), p) for p, item in doc["paths"].items() for m in item if m != "get"}


def test_the_walkthroughs_call_every_write_endpoint(tmp_path: Path) -> None:
    # given the walkthroughs' text and every write the API serves
    text = walkthroughs()
    assert text.startswith("set -euo pipefail") and "--fail-with-body" in text
    missing = []
    for method, path in sorted(write_endpoints(tmp_path)):
        # a path template matches a call whose ids are shell variables or literal ids
        pattern = re.sub(r"\\\{[^}]+\\\}", r"[^/\\s\"'?]+", re.escape(path)) + r"[\"'?\s]"
        if not re.search(pattern, text):
            missing.append(f"{method} {path}")
    # then each is walked through
    assert not missing, f"write endpoints the README walkthroughs do not show: {missing}"


def test_the_walkthroughs_run_as_written_on_a_fresh_demo(tmp_path: Path) -> None:
    # given a fresh demo store in LEDGER_HOME, served as `make run` serves it
    home = tmp_path / "home"
    env = environment(f"sqlite:///{home}/ledger.db", home / "signing-key.pem", LEDGER_HOME=str(home))
    loaded = ledger(env, "demo")
    assert loaded.returncode == 0, loaded.stderr
    with serving(env, tmp_path / "serve.log", "--demo") as served:
        # when the walkthroughs run in bash, from another folder
        work = tmp_path / "work"
        work.mkdir()
        done = subprocess.run(
            ["bash", "-c", walkthroughs()],
            env={**env, "LEDGER_URL": served.url},
            cwd=work,
            capture_output=True,
            text=True,
            timeout=300,
        )
    # then every command succeeded
    assert done.returncode == 0, f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
    out = done.stdout
    # and the answers say what the README says they show: the commitment shrank the need's gap, which
    # was whole as of a position before it
    assert "gap of the need: 250000.00 before, 100000.00 after" in out
    assert re.search(r"^250000\.00$", out, re.M)
    # a rate converts what was unconverted; a third-party report waits for its funder, who confirms or disputes
    assert '{"estimated":{},"committed":{},"pledged":{},"disbursed":{}}' in out
    assert '"confirmation":"unconfirmed"' in out and '{"confirmation":"confirmed"}' in out
    assert '"confirmation":"disputed","dispute_reason":"not disbursed: the transfer was stopped"' in out
    # the refs typed were read as organisations, the IATI file imported, the revoked key listed as such
    assert '"ref":"FI-3"' in out and '"imported":1' in out and '{"role":"auditor","revoked":true}' in out
    # and the auditor saw the focal point's reason and saved the public key
    assert "NeedPublished by demo KEN focal point" in out and "validated by the national committee" in out
    assert (work / "ledger-public.pem").read_text().startswith("-----BEGIN PUBLIC KEY-----")
