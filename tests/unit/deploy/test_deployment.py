"""The deployment files, read as an operator would, without a Docker engine: the image creates the
directories its volumes mount, owned by the user it runs as; no password is written in docker-compose.yml
(each comes from .env, which .env.example lists); the image installs from the hashed lock; every service
has a health check, whose command exists; the API listens on loopback only, behind a TLS proxy.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[3]
BUILT = ("api", "worker")  # the services built from the Dockerfile
INTERPOLATION = re.compile(r"\$\{(\w+)(:?[?-])?[^}]*\}")


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def dockerfile_runs() -> tuple[str, list[list[str]]]:
    """The user the image runs as, and each RUN command's shell words (continuations joined)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    runs = [shlex.split(line) for line in re.findall(r"^RUN\s+(.+)$", text, re.M)]
    assert len(users) == 1, "the image runs as one user, named once"
    return users[0], runs


def test_the_image_creates_every_directory_a_volume_mounts_owned_by_its_user() -> None:
    # given the user the image runs as, and what its RUN lines create and give to whom
    user, runs = dockerfile_runs()
    words = [w for run in runs for w in run]
    assert user != "root"
    created = {w for run in runs for i, w in enumerate(run) if "mkdir" in run[:i] and w.startswith("/")}
    owned = {
        w
        for run in runs
        for i, w in enumerate(run)
        if w.startswith("/") and any(run[j] == "chown" and run[j + 1].split(":")[0] == user for j in range(i - 1))
    }
    assert "useradd" in words
    # when every volume the built services mount is listed
    mounted = {v.split(":")[1] for name in BUILT for v in compose()["services"][name].get("volumes", [])}
    # then each is created in the image and owned by that user (else an empty named volume is root's)
    assert mounted, "the services mount the signing key's volume"
    assert mounted <= created, f"not created in the image: {mounted - created}"
    assert mounted <= owned, f"not owned by {user}: {mounted - owned}"


def test_no_password_is_written_in_the_compose_file_and_each_comes_from_env() -> None:
    # given every environment value of every service
    services = compose()["services"]
    values = {(s, k): str(v) for s, spec in services.items() for k, v in (spec.get("environment") or {}).items()}
    required = set()
    for (service, name), value in values.items():
        # then a password, alone or inside a database URL, is an interpolation that must be set, never a literal
        secret = value if "PASSWORD" in name else (urlparse(value).password if "://" in value else None)
        if secret is None:
            continue
        found = INTERPOLATION.fullmatch(secret)
        assert found and found.group(2) == ":?", f"{service} {name}: the password must be ${{VAR:?...}}"
        required.add(found.group(1))
    assert "POSTGRES_PASSWORD" in required
    # and .env.example names every variable the compose file reads, with no value for the secret
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    read = {m.group(1) for m in INTERPOLATION.finditer((ROOT / "docker-compose.yml").read_text())}
    assert read <= set(example), f".env.example lacks {read - set(example)}"
    assert example["POSTGRES_PASSWORD"] == ""
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_the_image_installs_its_dependencies_from_the_hashed_runtime_lock() -> None:
    _, runs = dockerfile_runs()
    installs = [run for run in runs if run[:2] == ["pip", "install"]]
    locked = [run for run in installs if "-r" in run]
    assert [run[run.index("-r") + 1] for run in locked] == ["requirements/runtime.txt"]
    assert "--require-hashes" in locked[0]
    # and the project itself is installed without pulling anything the lock does not hold
    assert all("--no-deps" in run for run in installs if run not in locked)


def test_every_service_has_a_health_check_whose_command_exists() -> None:
    services = compose()["services"]
    for name, spec in services.items():
        test = spec.get("healthcheck", {}).get("test")
        assert test, f"{name} has no health check"
        if name in BUILT and "-m" in test:  # a module of this project: it must exist
            module = test[test.index("-m") + 1]
            assert importlib.util.find_spec(module) is not None, f"{name}'s health check runs {module}"
    assert "api.root.probe" in services["worker"]["healthcheck"]["test"]
    # the worker refuses a store without the ledger's tables, which the API creates: it starts once the API is up
    assert services["worker"]["depends_on"]["api"]["condition"] == "service_healthy"


def test_the_api_listens_on_loopback_only_for_a_tls_proxy_in_front() -> None:
    ports = compose()["services"]["api"]["ports"]
    assert all(str(p).startswith("127.0.0.1:") for p in ports), ports
    assert "TLS" in (ROOT / "README.md").read_text().split("## Deployment", 1)[1].split("\n## ", 1)[0]
