"""Configuration, validated once at start-up (environment or .env).

Where the ledger lives does not depend on the current folder: `LEDGER_HOME` (default the platform's per-user data
directory, e.g. `~/.local/share/uncac-ledger`) holds the default store `ledger.db` and the signing key, for `make run`,
the server and every CLI command alike. An explicit relative SQLite path is read against the current folder once,
here, and held absolute from then on.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresFactory
from platformdirs import user_data_path
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from projections.audit.sealing import SEAL_KEY_FILE, SealingPostgresRecorder, configured


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


ENVIRONMENTS = {
    "development": Environment.DEVELOPMENT,
    "dev": Environment.DEVELOPMENT,
    "production": Environment.PRODUCTION,
    "prod": Environment.PRODUCTION,
}


def environment_named(value: object) -> Environment:
    """`LEDGER_ENVIRONMENT` as an Environment, whatever its case and surrounding spaces (`prod` too).

    Anything else is refused at start-up: a misspelt "Production" must never read as development.
    """
    name = str(value).strip().lower()
    if name not in ENVIRONMENTS:
        raise ValueError(f"LEDGER_ENVIRONMENT is one of {', '.join(ENVIRONMENTS)}, not {value!r}")
    return ENVIRONMENTS[name]


APP_NAME = "uncac-ledger"
STORE_FILE = "ledger.db"
KEY_FILE = "signing-key.pem"


def default_home() -> Path:
    """The platform's per-user data directory: `$XDG_DATA_HOME/uncac-ledger` or `~/.local/share/uncac-ledger` on
    Linux, `~/Library/Application Support/uncac-ledger` on macOS, `%LOCALAPPDATA%\\uncac-ledger` on Windows."""
    return user_data_path(APP_NAME, appauthor=False)


def absolute(path: Path | str) -> Path:
    """`path` with `~` expanded and, when relative, read against the current folder (symbolic links kept)."""
    return Path(os.path.abspath(Path(path).expanduser()))


def sqlite_file(database_url: str) -> Path:
    """The file of a `sqlite:///path` URL, as written (relative or not)."""
    return Path(database_url.removeprefix("sqlite:///").removeprefix("sqlite://"))


def create_private(path: Path) -> None:
    """Create the SQLite file (if missing) readable by its owner only, before SQLite opens it.

    It holds unpublished needs and key hashes. SQLite gives its -wal, -shm and -journal files the
    main file's mode, so they are 0600 too. An existing file keeps the mode its operator chose.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.fchmod(fd, 0o600)  # the umask may only narrow it; make sure of it
    os.close(fd)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGER_", env_file=".env", extra="ignore")

    home: Path = Field(default_factory=default_home)  # LEDGER_HOME: the default store and signing key live here
    database_url: str = ""  # empty: sqlite:///$LEDGER_HOME/ledger.db
    reporting_currency: str = "USD"
    signing_key_file: Path | None = None
    log_format: str | None = None  # json | console; console on a terminal when unset
    environment: Environment = Environment.DEVELOPMENT  # development (dev) | production (prod), any case
    demo_mode: bool = False  # anonymous local users read as coordinator (never in production)
    checkpoint_every_events: int = 1000
    checkpoint_every_seconds: float = 600.0
    max_body_bytes: int = 5_000_000
    header_timeout_seconds: float = 10.0  # a request's headers arrive within this, or the connection is closed
    body_timeout_seconds: float = 60.0  # its whole body within this of the headers, or 408
    keep_alive_seconds: float = 5.0  # an idle connection is closed after this
    max_connections: int = 200  # beyond this many connections, requests are answered 503
    read_wait_seconds: float = 5.0
    runner_batch_size: int = 500
    snapshot_every_events: int = 10_000
    as_of_cache: int = Field(default=1, ge=0)  # past positions kept folded for `as_of` reads; 0: fold every read
    pool_size: int = 10
    pool_max_overflow: int = 30  # 40 in all, one per worker thread: a wait then means the store is away
    pool_timeout_seconds: int = 1  # wait for a connection; the library tries a call 10 times (~12 s)
    reconnect_timeout_seconds: float = 10.0  # caps the pool's reconnect backoff, so recovery is prompt
    statement_timeout_seconds: int = 15
    lock_timeout_seconds: int = 2  # each library call retries 10 times: a blocked write fails in ~22 s
    session_idle_minutes: float = 30.0  # a browser session unused this long ends (api/web/sessions.py)
    session_absolute_hours: float = 12.0  # and every session ends this long after its sign-in

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, v: str | None) -> str | None:
        if v not in (None, "json", "console"):
            raise ValueError("LEDGER_LOG_FORMAT is json or console")
        return v

    @field_validator("home", mode="before")
    @classmethod
    def _home(cls, v: object) -> Path:
        if v is None or not str(v).strip():
            return default_home()
        return absolute(str(v).strip())

    @field_validator("environment", mode="before")
    @classmethod
    def _environment(cls, v: object) -> Environment:
        return environment_named(v)

    @model_validator(mode="after")
    def _safe(self) -> Settings:
        if self.environment is Environment.PRODUCTION and self.demo_mode:
            raise ValueError("LEDGER_DEMO_MODE is refused when LEDGER_ENVIRONMENT=production")
        if not self.database_url.strip():
            self.database_url = f"sqlite:///{self.home / STORE_FILE}"
        if not self.database_url.startswith(("sqlite://", "postgresql://", "postgres://")):
            raise ValueError("LEDGER_DATABASE_URL is sqlite:///path or postgresql://...")
        if not self.is_postgres:  # held absolute: the same store whatever folder a command runs from
            self.database_url = f"sqlite:///{absolute(sqlite_file(self.database_url))}"
        if self.signing_key_file is not None:
            self.signing_key_file = absolute(self.signing_key_file)
        return self

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))

    @property
    def safe_database_url(self) -> str:
        """The URL without its password, for logs and messages."""
        url = urlparse(self.database_url)
        if url.password:
            return self.database_url.replace(f":{url.password}@", ":***@", 1)
        return self.database_url

    @property
    def data_dir(self) -> Path:
        """Beside the SQLite file; LEDGER_HOME for PostgreSQL."""
        if self.is_postgres:
            return self.home
        return self.sqlite_path.parent

    @property
    def sqlite_path(self) -> Path:
        return sqlite_file(self.database_url)

    @property
    def key_file(self) -> Path:
        return self.signing_key_file or self.data_dir / KEY_FILE

    @property
    def location(self) -> str:
        """Where the store is, for messages: the SQLite file's absolute path, or the URL without its password."""
        return self.safe_database_url if self.is_postgres else str(self.sqlite_path)

    def eventsourcing_env(self) -> dict[str, str]:
        """The library's persistence settings for this database URL."""
        if not self.is_postgres:
            create_private(self.sqlite_path)
            return {
                "PERSISTENCE_MODULE": "projections.audit.sealing:SealingSQLiteFactory",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": "30",
                **self._seal_env(),
            }
        url = urlparse(self.database_url)
        return {
            **self._seal_env(),
            "PERSISTENCE_MODULE": f"{__name__}:BoundedPostgresFactory",
            "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_POOL_SIZE": str(self.pool_size),
            "POSTGRES_MAX_OVERFLOW": str(self.pool_max_overflow),
            "POSTGRES_LOCK_TIMEOUT": str(self.lock_timeout_seconds),
            "POSTGRES_CONNECT_TIMEOUT": str(self.pool_timeout_seconds),  # the library's pool wait
            "POSTGRES_PRE_PING": "y",  # after a database restart no request gets a dead connection
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": str(self.statement_timeout_seconds),
            "POSTGRES_STATEMENT_TIMEOUT": str(self.statement_timeout_seconds),
            "POSTGRES_RECONNECT_TIMEOUT": str(self.reconnect_timeout_seconds),
        }

    def _seal_env(self) -> dict[str, str]:
        """Where the sealing recorder finds the signing key its seal key derives from (docs/seals.md). Named with
        the application's prefix, so the process environment cannot point it elsewhere."""
        return {f"LEDGER_{SEAL_KEY_FILE}": str(self.key_file)}


class BoundedPostgresFactory(PostgresFactory):
    """The library's PostgreSQL factory, every session of which has statement and lock timeouts, and whose
    application recorder seals each event it writes (projections/audit/sealing.py).

    The library's env has no key for them, so they go in libpq's `options` before the pool opens
    (every connection has them, none is missed); its reconnect back-off is capped as well.
    """

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        seconds = {k: int(self.env.get(f"POSTGRES_{k}") or 0) for k in ("STATEMENT_TIMEOUT", "LOCK_TIMEOUT")}
        pool = self.datastore.pool
        assert isinstance(pool.kwargs, dict)  # the library's pool keeps its connect kwargs in a dict
        pool.kwargs.update(
            connect_timeout=5,
            options=(
                f"-c statement_timeout={seconds['STATEMENT_TIMEOUT'] * 1000}"
                f" -c lock_timeout={seconds['LOCK_TIMEOUT'] * 1000}"
            ),
        )
        pool.reconnect_timeout = float(self.env.get("POSTGRES_RECONNECT_TIMEOUT") or 300)

    application_recorder_class = SealingPostgresRecorder

    def application_recorder(self) -> ApplicationRecorder:
        return configured(super().application_recorder(), self.env.get(SEAL_KEY_FILE))
