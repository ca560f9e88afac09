"""The local Neo4j for machines without Docker: build the launcher, start, stop, status.

The launcher (`neo4j-launcher/`, Java) runs Neo4j Community embedded with Bolt on
127.0.0.1. This module builds it once with Maven (rebuilt only when its sources change),
starts it detached with a pid file in the data directory, and waits until the official
driver's `verify_connectivity()` succeeds.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ClientError, ServiceUnavailable

from registry.config import PROJECT_ROOT, LocalNeo4jSettings

LAUNCHER_DIR = PROJECT_ROOT / "neo4j-launcher"
LAUNCHER_JAR = LAUNCHER_DIR / "target" / "neo4j-launcher.jar"

# What Neo4j's own neo4j.conf passes to the JVM (server.jvm.additional), minus what only its scripts use.
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-Dlog4j2.disable.jmx=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
)


class LocalDbError(RuntimeError):
    """A failure explained in one sentence, for the command line."""


@dataclass(frozen=True)
class Status:
    running: bool
    pid: int | None
    uri: str
    home: Path


class LocalNeo4j:
    def __init__(self, settings: LocalNeo4jSettings, user: str, password: str) -> None:
        self.settings = settings
        self.user = user
        self.password = password

    # -- paths -------------------------------------------------------------------------
    @property
    def pid_file(self) -> Path:
        return self.settings.home / "launcher.pid"

    @property
    def log_file(self) -> Path:
        return self.settings.home / "logs" / "launcher.log"

    # -- build -------------------------------------------------------------------------
    @staticmethod
    def needs_build() -> bool:
        if not LAUNCHER_JAR.exists() or not (LAUNCHER_JAR.parent / "lib").is_dir():
            return True
        built = LAUNCHER_JAR.stat().st_mtime
        sources = [LAUNCHER_DIR / "pom.xml", *LAUNCHER_DIR.joinpath("src").rglob("*.java")]
        return any(p.stat().st_mtime > built for p in sources)

    @classmethod
    def build(cls, *, quiet: bool = True) -> bool:
        """Builds the launcher with Maven unless the jar is newer than its sources. True if it built."""
        if not cls.needs_build():
            return False
        mvn = shutil.which("mvn")
        if not mvn:
            raise LocalDbError(
                "Maven (mvn) is not installed; it builds the local Neo4j launcher. "
                "Install Maven and Java 17+, or set NEO4J_URI to a running Neo4j."
            )
        cmd = [mvn, "-B", "-f", str(LAUNCHER_DIR / "pom.xml"), "package", "-DskipTests"]
        if quiet:
            cmd.insert(1, "-q")
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-20:])
            raise LocalDbError(f"building the Neo4j launcher with Maven failed:\n{tail}")
        return True

    # -- state -------------------------------------------------------------------------
    def _read_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if not _alive(pid):
            return None
        # After a reboot the number may belong to another program: only ours counts.
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:
            return pid
        return pid if b"neo4j-launcher" in cmdline else None

    def _connects(self, timeout: float = 3.0) -> bool:
        try:
            with GraphDatabase.driver(
                self.settings.uri, auth=(self.user, self.password), connection_timeout=timeout
            ) as driver:
                driver.verify_connectivity()
            return True
        except (AuthError, ClientError) as exc:
            if isinstance(exc, ClientError) and "Security" not in (exc.code or ""):
                raise
            raise LocalDbError(
                f"a Neo4j answers on {self.settings.uri} but refuses user {self.user!r} with this password"
            ) from exc
        except (ServiceUnavailable, OSError):
            return False

    def status(self) -> Status:
        pid = self._read_pid()
        return Status(pid is not None, pid, self.settings.uri, self.settings.home)

    # -- start / stop ------------------------------------------------------------------
    def start(self, *, timeout: float = 180.0) -> tuple[Status, bool]:
        """Starts Neo4j unless it already runs; returns (status, started_now)."""
        current = self.status()
        if current.running:
            if self._wait_connectable(timeout, current.pid):
                return current, False
            raise LocalDbError(
                f"Neo4j (pid {current.pid}) runs from {self.settings.home} but does not answer on "
                f"{self.settings.uri}; see {self.log_file}"
            )
        self.pid_file.unlink(missing_ok=True)
        if _port_in_use(self.settings.port):
            raise LocalDbError(
                f"port {self.settings.port} is already in use by another program; stop it or set "
                "NEO4J_LOCAL_PORT to a free port"
            )
        java = shutil.which("java")
        if not java:
            raise LocalDbError("Java 17+ (java) is not installed; it runs the local Neo4j.")
        self.build()
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            java,
            f"-Xms{self.settings.heap}",
            f"-Xmx{self.settings.heap}",
            *JVM_FLAGS,
            "-jar",
            str(LAUNCHER_JAR),
            "--home",
            str(self.settings.home),
            "--port",
            str(self.settings.port),
            "--pagecache",
            self.settings.pagecache,
            "--import-dir",
            str(self.settings.import_dir),
        ]
        env = {**os.environ, "NEO4J_USER": self.user, "NEO4J_PASSWORD": self.password}
        offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        with self.log_file.open("ab") as log:
            # A session of its own: the server outlives this command and ignores the terminal's Ctrl-C.
            proc = subprocess.Popen(  # noqa: S603
                cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env, start_new_session=True
            )
        self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = proc.poll()
            if code is not None:
                self.pid_file.unlink(missing_ok=True)
                raise LocalDbError(self._failure_line() or f"Neo4j exited with code {code}; see {self.log_file}")
            # Bolt accepts connections a moment before the launcher has set the password; its
            # READY line marks the point from which a refused login is a real error.
            if self._ready_since(offset) and self._connects():
                return self.status(), True
            time.sleep(0.5)
        self.stop()
        raise LocalDbError(f"Neo4j did not answer within {timeout:.0f} s; see {self.log_file}")

    def _wait_connectable(self, timeout: float, pid: int | None) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._connects():
                return True
            if pid is not None and not _alive(pid):
                return False
            time.sleep(0.5)
        return False

    def _ready_since(self, offset: int) -> bool:
        with self.log_file.open("rb") as log:
            log.seek(offset)
            return b"READY bolt://" in log.read()

    def _failure_line(self) -> str | None:
        try:
            lines = self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return None
        for line in reversed(lines[-200:]):
            if "neo4j-launcher: error:" in line:
                return line.split("neo4j-launcher: error:", 1)[1].strip()
        return None

    def stop(self, *, timeout: float = 60.0) -> bool:
        """Stops a running Neo4j cleanly (SIGTERM, then SIGKILL after `timeout`). True if one ran."""
        pid = self._read_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        return True


def _alive(pid: int) -> bool:
    try:
        # Reap it if it is our own exited child, so it does not linger as a zombie that looks alive.
        with contextlib.suppress(ChildProcessError):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return False
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, IndexError):
        return True
    return state != "Z"


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0
