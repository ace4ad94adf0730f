"""A throwaway PostgreSQL server for tests: initdb into /tmp, start on a free loopback port, stop.

Uses only the server binaries (initdb, pg_ctl, pg_isready, psql) through subprocess. PostgreSQL
refuses to run as root, so when the tests run as root every server command runs as the
`postgres` OS user and the data directory is owned by it.

    with TemporaryPostgres() as pg:
        engine = sqlalchemy.create_engine(pg.admin_url)
        ro_url = pg.create_readonly_role("fraud_test", "dashboard_ro", "secret")
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Self

ADMIN_ROLE = "fraud_admin"
ADMIN_PASSWORD = "fraud_admin_pw"
TEST_DATABASE = "fraud_test"
SERVER_OS_USER = "postgres"

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    # Durability buys nothing in a throwaway cluster; these make DDL-heavy tests much faster.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "50",
    "shared_buffers": "64MB",
    "log_min_messages": "warning",
}


class PostgresUnavailable(RuntimeError):
    """The server binaries (or the OS user to run them as) are not on this machine."""


class PostgresStartError(RuntimeError):
    """initdb or the server start failed; the message carries the command output and log."""


def find_pg_bindir() -> Path | None:
    """The directory holding initdb/pg_ctl, newest major version first; None when absent.

    FRAUD_PG_BINDIR, when set, is the only place looked at.
    """
    override = os.environ.get("FRAUD_PG_BINDIR")
    if override:
        candidates: list[Path] = [Path(override)]
        return _first_complete_bindir(candidates)
    candidates = []

    def major(path: str) -> float:
        try:
            return float(Path(path).parts[-3])
        except ValueError:
            return 0.0

    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=major, reverse=True)
    candidates += [Path(p).parent for p in debian]
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            )
            candidates.append(Path(out.stdout.strip()))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    return _first_complete_bindir(candidates)


def _first_complete_bindir(candidates: list[Path]) -> Path | None:
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "pg_isready", "psql")):
            return bindir
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the caller should bind it soon)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _check_identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain lower-case SQL identifier: {name!r}")
    return name


class TemporaryPostgres:
    """A private PostgreSQL cluster with a superuser `fraud_admin` and a database `fraud_test`.

    Use as a context manager (or call start()/stop()). Attributes once started: `port`,
    `admin_url` (SQLAlchemy URL for fraud_test), `base_dir`, `data_dir`, `log_path`.
    """

    def __init__(self, *, bindir: Path | None = None, start_timeout: float = 30.0) -> None:
        found = bindir or find_pg_bindir()
        if found is None:
            raise PostgresUnavailable(
                "PostgreSQL server binaries (initdb, pg_ctl) not found; "
                "apt-get install postgresql, or set FRAUD_PG_BINDIR"
            )
        self.bindir = found
        self.start_timeout = start_timeout
        self.port: int = 0
        self.base_dir: Path | None = None
        self._run_as: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam(SERVER_OS_USER)
            except KeyError as exc:
                raise PostgresUnavailable(
                    f"running as root and there is no {SERVER_OS_USER!r} OS user to run the "
                    "server as (PostgreSQL refuses to run as root)"
                ) from exc
            self._run_as = SERVER_OS_USER

    # -- paths and URLs ---------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        assert self.base_dir is not None, "server not started"
        return self.base_dir / "data"

    @property
    def log_path(self) -> Path:
        assert self.base_dir is not None, "server not started"
        return self.base_dir / "server.log"

    def url(self, database: str, *, user: str = ADMIN_ROLE, password: str = ADMIN_PASSWORD) -> str:
        """SQLAlchemy URL (psycopg 3 driver) for `database` as `user`."""
        from urllib.parse import quote

        return (
            f"postgresql+psycopg://{quote(user, safe='')}:{quote(password, safe='')}"
            f"@127.0.0.1:{self.port}/{quote(database, safe='')}"
        )

    @property
    def admin_url(self) -> str:
        return self.url(TEST_DATABASE)

    # -- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        self.base_dir = Path(tempfile.mkdtemp(prefix="fraud-pg-", dir="/tmp"))
        try:
            os.chmod(self.base_dir, 0o700)
            if self._run_as:
                user = pwd.getpwnam(self._run_as)
                os.chown(self.base_dir, user.pw_uid, user.pw_gid)
            self._initdb()
            self._start_server()
            self._psql(
                "postgres",
                'CREATE DATABASE :"db" OWNER :"owner";',
                db=TEST_DATABASE,
                owner=ADMIN_ROLE,
            )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.base_dir is None:
            return
        if (self.data_dir / "postmaster.pid").exists():
            self._run(
                [self._bin("pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate", "-w"],
                check=False,
            )
        shutil.rmtree(self.base_dir, ignore_errors=True)
        self.base_dir = None

    # -- helpers tests use ------------------------------------------------------------------

    def create_database(self, name: str) -> str:
        """Create an empty database owned by fraud_admin; return its admin SQLAlchemy URL."""
        self._psql("postgres", 'CREATE DATABASE :"db" OWNER :"owner";', db=name, owner=ADMIN_ROLE)
        return self.url(name)

    def create_readonly_role(self, dbname: str, role: str, password: str) -> str:
        """A LOGIN role that can only read `dbname`'s public schema; return its SQLAlchemy URL.

        Grants CONNECT on the database, USAGE on schema public, SELECT on every table in it,
        and default privileges so tables fraud_admin creates later are readable too. Nothing
        else is granted (PostgreSQL's built-in PUBLIC privileges still apply). Calling it again
        for another database reuses the role.
        """
        script = r"""
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') AS role_missing \gset
\if :role_missing
CREATE ROLE :"role" LOGIN PASSWORD :'password';
\endif
GRANT CONNECT ON DATABASE :"db" TO :"role";
GRANT USAGE ON SCHEMA public TO :"role";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"admin" IN SCHEMA public GRANT SELECT ON TABLES TO :"role";
"""
        self._psql(dbname, script, db=dbname, role=role, password=password, admin=ADMIN_ROLE)
        return self.url(dbname, user=role, password=password)

    def psql(self, database: str, sql: str, **variables: str) -> str:
        """Run a psql script as fraud_admin (psql variables: :"ident", :'literal'); stdout."""
        return self._psql(database, sql, **variables)

    # -- internals --------------------------------------------------------------------------

    def _bin(self, tool: str) -> str:
        return str(self.bindir / tool)

    def _env(self) -> dict[str, str]:
        # A developer's PGHOST/PGDATABASE/... must not leak into our commands.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        return env

    def _run(
        self,
        args: list[str],
        *,
        check: bool = True,
        input: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            args,
            input=input,
            capture_output=True,
            text=True,
            env=env or self._env(),
            cwd=self.base_dir,
            user=self._run_as,
            group=pwd.getpwnam(self._run_as).pw_gid if self._run_as else None,
            extra_groups=[] if self._run_as else None,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise PostgresStartError(
                f"{' '.join(args)} exited {proc.returncode}\n"
                f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
                f"{self._log_tail()}"
            )
        return proc

    def _log_tail(self, lines: int = 60) -> str:
        if self.base_dir is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return "\n--- server log (tail) ---\n" + "\n".join(text)

    def _initdb(self) -> None:
        assert self.base_dir is not None
        pwfile = self.base_dir / "pwfile"
        pwfile.write_text(ADMIN_PASSWORD + "\n")
        if self._run_as:
            user = pwd.getpwnam(self._run_as)
            os.chown(pwfile, user.pw_uid, user.pw_gid)
        pwfile.chmod(0o600)
        # The bootstrap superuser *is* fraud_admin; every connection needs its password.
        self._run(
            [
                self._bin("initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                ADMIN_ROLE,
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ]
        )
        pwfile.unlink()

    def _start_server(self, attempts: int = 3) -> None:
        assert self.base_dir is not None
        last_error: PostgresStartError | None = None
        for _ in range(attempts):
            self.port = free_port()
            settings = {
                **_SERVER_SETTINGS,
                "port": str(self.port),
                "unix_socket_directories": str(self.base_dir),
            }
            options = " ".join(f"-c {key}={value}" for key, value in settings.items())
            proc = self._run(
                [
                    self._bin("pg_ctl"),
                    "start",
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_path),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    str(int(self.start_timeout)),
                ],
                check=False,
            )
            if proc.returncode == 0 and self._wait_ready():
                return
            last_error = PostgresStartError(
                f"PostgreSQL did not start on port {self.port} (pg_ctl exit {proc.returncode})\n"
                f"--- pg_ctl output ---\n{proc.stdout}{proc.stderr}{self._log_tail()}"
            )
            log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
            if "could not bind" not in log and "Address already in use" not in log:
                break  # Not a port race: retrying will not help.
            self._run(
                [self._bin("pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate"],
                check=False,
            )
        assert last_error is not None
        raise last_error

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            proc = self._run(
                [self._bin("pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                check=False,
                timeout=10,
            )
            if proc.returncode == 0:
                return True
            time.sleep(0.1)
        return False

    def _psql(self, database: str, script: str, **variables: str) -> str:
        for key in ("db", "role", "owner", "admin"):
            if key in variables:
                _check_identifier(variables[key])
        env = self._env()
        env["PGPASSWORD"] = ADMIN_PASSWORD
        args = [
            self._bin("psql"),
            "-X",  # ignore any ~/.psqlrc
            "-q",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            ADMIN_ROLE,
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
        ]
        for key, value in variables.items():
            args += ["-v", f"{key}={value}"]
        # The script goes through stdin, not -c: psql interpolates (and quotes) :"x" / :'x'
        # variables only in scripts it reads, which keeps names and passwords out of the SQL text.
        return self._run(args, input=script, env=env, timeout=60).stdout
