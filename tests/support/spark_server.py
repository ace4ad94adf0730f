"""A throwaway Spark Thrift server for tests and benchmarks: local mode, loopback port, stop.

Runs the HiveThriftServer2 that PyPI's pyspark ships (``spark-submit`` from the package, Java
from the system) with its warehouse directory and Derby metastore in a temporary directory,
so nothing outlives the session. SQLAlchemy reaches it as ``hive://127.0.0.1:<port>/<db>``
(PyHive).

    with SparkThriftServer() as spark:
        engine = sqlalchemy.create_engine(spark.url("fraud"))
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Self

from tests.support.pg_server import free_port

THRIFT_SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
# Small, so the server fits a 2-core box shared with the rest of the suite.
DRIVER_MEMORY = os.environ.get("FRAUD_SPARK_DRIVER_MEMORY", "1g")
SPARK_CONF = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "2",
    # The warehouse's timestamps are naive: read and compare them as UTC wall-clock times.
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.adaptive.enabled": "true",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
    # A test warehouse is tiny: plan broadcast joins, skip the shuffle machinery.
    "spark.sql.autoBroadcastJoinThreshold": str(64 * 1024 * 1024),
    "spark.ui.showConsoleProgress": "false",
}


class SparkUnavailable(RuntimeError):
    """Java or pyspark (with its spark-submit) is not on this machine."""


class SparkStartError(RuntimeError):
    """The server did not come up; the message carries its log's tail."""


def find_java() -> str | None:
    """The ``java`` Spark will run (JAVA_HOME's first, then PATH); None when absent."""
    home = os.environ.get("JAVA_HOME")
    if home and os.access(Path(home) / "bin" / "java", os.X_OK):
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def find_spark_submit() -> Path | None:
    """pyspark's ``bin/spark-submit`` (the pinned package's own Spark); None when absent."""
    try:
        import pyspark
    except ImportError:
        return None
    path = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    return path if os.access(path, os.X_OK) else None


def missing_reason() -> str | None:
    """Why a Spark server cannot start here, or None when it can."""
    if find_java() is None:
        return "Java not found (apt-get install openjdk-17-jre-headless)"
    if find_spark_submit() is None:
        return "pyspark not installed (pip install -r requirements.txt)"
    return None


class SparkThriftServer:
    """One local Spark Thrift server in a temporary directory (see module docstring)."""

    def __init__(self, *, start_timeout: float = 180.0, cores: int = 2) -> None:
        reason = missing_reason()
        if reason:
            raise SparkUnavailable(reason)
        self.start_timeout = start_timeout
        self.cores = cores
        self.base_dir = Path(tempfile.mkdtemp(prefix="fraud-spark-"))
        self.port = 0
        self._proc: subprocess.Popen | None = None
        self._log = None

    @property
    def warehouse_dir(self) -> Path:
        return self.base_dir / "warehouse"

    @property
    def log_path(self) -> Path:
        return self.base_dir / "server.log"

    def url(self, database: str = "default") -> str:
        return f"hive://127.0.0.1:{self.port}/{database}"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        self.port = free_port()
        metastore = self.base_dir / "metastore_db"
        conf = {
            **SPARK_CONF,
            "spark.sql.warehouse.dir": str(self.warehouse_dir),
            "spark.hadoop.javax.jdo.option.ConnectionURL": (
                f"jdbc:derby:;databaseName={metastore};create=true"
            ),
            "spark.driver.extraJavaOptions": f"-Dderby.system.home={self.base_dir}",
        }
        cmd = [
            str(find_spark_submit()),
            "--class",
            THRIFT_SERVER_CLASS,
            "--master",
            f"local[{self.cores}]",
            "--driver-memory",
            DRIVER_MEMORY,
            "--name",
            "fraud-insights-test",
        ]
        for key, value in conf.items():
            cmd += ["--conf", f"{key}={value}"]
        cmd += [
            "--hiveconf",
            f"hive.server2.thrift.port={self.port}",
            "--hiveconf",
            "hive.server2.thrift.bind.host=127.0.0.1",
            "spark-internal",
        ]
        env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": "python3"}
        env.pop("SPARK_HOME", None)  # the package's own Spark, whatever else is installed
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self._proc = subprocess.Popen(
            cmd,
            cwd=self.base_dir,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stop() ends the JVM and anything it started
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise SparkStartError(
                    f"Spark Thrift server exited with {self._proc.returncode}:\n{self.log_tail()}"
                )
            if _accepts(self.port) and self._answers():
                return
            time.sleep(1.0)
        raise SparkStartError(
            f"Spark Thrift server not ready after {self.start_timeout:.0f}s:\n{self.log_tail()}"
        )

    def _answers(self) -> bool:
        from pyhive import hive

        try:
            conn = hive.connect(host="127.0.0.1", port=self.port)
        except Exception:  # noqa: BLE001 - not up yet: thrift/transport errors vary
            return False
        try:
            cur = conn.cursor()
            cur.execute("SELECT 1")
            return cur.fetchall() == [(1,)]
        finally:
            conn.close()

    def sql(self, statement: str) -> list[tuple]:
        """Run one statement as the (only) user; returns its rows (empty for DDL)."""
        from pyhive import hive

        conn = hive.connect(host="127.0.0.1", port=self.port)
        try:
            cur = conn.cursor()
            cur.execute(statement)
            return cur.fetchall() if cur.description else []
        finally:
            conn.close()

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait(timeout=10)
        self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0
