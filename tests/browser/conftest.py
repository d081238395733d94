"""A real service for a real browser: daphne, an RQ worker and Chromium.

daphne and the worker are separate processes on the test database and the test
Redis (tests/conftest.py's service_env), as in production; tests that use them
need committed data (`django_db(transaction=True)`). Chromium is Debian's
(/usr/bin/chromium), driven by Python Playwright; it is never downloaded.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, service_env

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
OUTPUT = ROOT / "test-output" / "browser"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen[bytes], signals: tuple[int, ...] = (signal.SIGTERM,)) -> None:
    """Stop one process we started: the given signals in turn, then SIGKILL."""
    for sig in (*signals, signal.SIGKILL):
        if process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=4)
        except subprocess.TimeoutExpired:
            continue


def child_env(**extra: str) -> dict[str, str]:
    env = service_env(**extra)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


@dataclass
class Server:
    """daphne on a fixed port, so it can be stopped and started again (the page reconnects)."""

    log_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.starts += 1
        log = open(self.log_dir / f"daphne-{self.starts}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
             "parser_project.asgi:application"],
            env=child_env(),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited: {self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/login/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise RuntimeError(f"daphne did not answer: {self.log()}")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def log(self) -> str:
        return (self.log_dir / f"daphne-{self.starts}.log").read_text(errors="replace")[-3000:]


@pytest.fixture
def output_dir(tmp_path: Path) -> Iterator[Path]:
    """Screenshots and logs: pytest's tmp dir, copied to test-output/browser/ at the end."""
    folder = tmp_path / "browser"
    folder.mkdir()
    yield folder
    OUTPUT.mkdir(parents=True, exist_ok=True)
    shutil.copytree(folder, OUTPUT, dirs_exist_ok=True)


@pytest.fixture
def live_server_process(output_dir: Path) -> Iterator[Server]:
    server = Server(log_dir=output_dir)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def start_worker(output_dir: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start a long-running RQ worker on every queue (stopped at teardown)."""
    workers: list[subprocess.Popen[bytes]] = []

    def start(**env: str) -> subprocess.Popen[bytes]:
        log = open(output_dir / f"worker-{len(workers) + 1}.log", "wb")  # noqa: SIM115
        worker = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "rqworker", "high", "default", "low",
             "--with-scheduler"],
            env=child_env(**env),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        # RQ: the first SIGTERM is a warm shutdown, the second a cold one.
        stop(worker, (signal.SIGTERM, signal.SIGTERM))


@pytest.fixture
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)"
        # CI installs the browser, so there its absence is a failure. On a
        # developer's machine with only Python, `make test` says what is
        # missing instead of failing the whole run.
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
