"""Browser end-to-end plumbing: a real `streamlit run` server and Debian's Chromium.

Playwright cannot download its own browsers here, so tests drive the system Chromium
(/usr/bin/chromium from Debian) via `executable_path`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

from tests.support.components import require_component
from tests.support.pg_server import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]

# Flags for Debian's Chromium in a container: no sandbox (we run as root), no GPU, and none of
# the background traffic (updates, sync, QUIC) that has no network to talk to here.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_executable() -> str:
    """Path of the system Chromium (FRAUD_CHROMIUM overrides); skip/fail the test when absent."""
    path = shutil.which(os.environ.get("FRAUD_CHROMIUM") or "chromium")
    if not path:
        require_component("chromium", "chromium not on PATH (apt-get install chromium)")
    return path


def streamlit_command(app_path, port: int) -> list[str]:
    """The `streamlit run` command line of a headless app on 127.0.0.1:``port``."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        # Tests don't edit sources mid-run; the watcher only costs CPU and inotify handles.
        "--server.fileWatcherType",
        "none",
    ]


@contextlib.contextmanager
def streamlit_server(
    app_path: str | os.PathLike[str] = "app.py",
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    *,
    timeout: float = 60.0,
    cwd: str | os.PathLike[str] | None = None,
) -> Iterator[str]:
    """Run `streamlit run app_path` from `cwd` (default: the repo root); yield its base URL
    once healthy.

    `env` is added to the current environment (e.g. the warehouse URL). The server runs in
    its own process group, which is terminated (then killed) on exit. bench/browser.py
    starts a baseline checkout the same way, with `cwd` set to its worktree.
    """
    if port is None:
        port = free_port()
    elif not _port_is_free(port):
        # Otherwise the health check would be answered by whatever already holds the port.
        raise RuntimeError(f"port {port} on 127.0.0.1 is already in use")
    base_url = f"http://127.0.0.1:{port}"
    cmd = streamlit_command(app_path, port)
    # Output goes to a file, not a pipe: nobody reads a pipe while the test runs, and a full
    # pipe would block the server.
    with tempfile.TemporaryFile(mode="w+", prefix="streamlit-") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd or REPO_ROOT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_healthy(proc, f"{base_url}/_stcore/health", timeout, log)
            yield base_url
        finally:
            _stop_group(proc)


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _server_output(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()[-8000:]


def _wait_healthy(proc: subprocess.Popen, url: str, timeout: float, log) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"streamlit exited with {proc.returncode} before becoming healthy\n"
                f"--- server output ---\n{_server_output(log)}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                healthy = response.status == 200 and response.read().strip() == b"ok"
            if healthy and proc.poll() is None:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(
        f"streamlit not healthy at {url} after {timeout:.0f}s\n"
        f"--- server output ---\n{_server_output(log)}"
    )


def _stop_group(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
