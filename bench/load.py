"""50 people at once: concurrent API reads against a real daphne process."""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
LOG = "/tmp/bench-daphne.log"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_load(
    env: dict[str, str], users: list[tuple[str, str]], task_ids: list[str], requests_each: int = 20
) -> dict[str, Any]:
    """`users` log in concurrently and each reads its task list and result pages."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "parser_project.asgi:application",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(LOG, "w"),  # noqa: SIM115 - lives as long as the server
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(base + "/api/v1/platforms/", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

        # Logging in costs a deliberate password hash (PBKDF2); all users log in
        # first, then the clock runs while they read at the same time.
        ready = threading.Barrier(len(users) + 1)

        def one_user(index: int) -> list[float]:
            name, password = users[index]
            session = requests.Session()
            token = session.post(
                base + "/api/v1/auth/token/",
                json={"username": name, "password": password},
                timeout=30,
            ).json()["access"]
            session.headers["Authorization"] = f"Bearer {token}"
            ready.wait()
            task_id = task_ids[index]
            urls = [
                "/api/v1/tasks/",
                f"/api/v1/tasks/{task_id}/",
                f"/api/v1/tasks/{task_id}/results/?limit=100",
                f"/api/v1/tasks/{task_id}/results/?limit=100&offset=500",
            ]
            latencies = []
            for n in range(requests_each):
                started = time.perf_counter()
                response = session.get(base + urls[n % len(urls)], timeout=30)
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
            return latencies

        with ThreadPoolExecutor(max_workers=len(users)) as pool:
            futures = [pool.submit(one_user, n) for n in range(len(users))]
            ready.wait()
            started = time.perf_counter()
            results = [future.result() for future in futures]
            elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    latencies = sorted(x for r in results for x in r)
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "p50": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
        "max": latencies[-1],
    }
