"""Run the whole service in one terminal: daphne, an RQ worker, maintenance.

`make run` calls this after migrating. Ctrl-C stops everything in order: the
web server, then the worker (a running task is interrupted and resumes from
its checkpoint next time), then the maintenance loop and the embedded Redis.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from parser_project import embedded_redis


class Command(BaseCommand):
    help = "Start daphne, one RQ worker and the maintenance loop; stop them all on Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args: Any, host: str, port: int, workers: int, **options: Any) -> None:
        env = {**os.environ, "REDIS_URL": settings.REDIS_URL}
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        commands = {
            "web": [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                host,
                "-p",
                str(port),
                "parser_project.asgi:application",
            ],
            **{
                f"worker-{n}": [*manage, "rqworker", "high", "default", "low", "--with-scheduler"]
                for n in range(1, workers + 1)
            },
            "maintenance": [*manage, "maintain"],
        }
        children: dict[str, subprocess.Popen[bytes]] = {}
        stopping = False

        def request_stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        for name, command in commands.items():
            # Own session: Ctrl-C reaches only this supervisor, which then
            # stops the children in order instead of all at once.
            children[name] = subprocess.Popen(
                command, env=env, cwd=settings.BASE_DIR, start_new_session=True
            )
        self.stdout.write(
            f"Parsing Service is running on http://{host}:{port}/ "
            f"(Redis: {settings.REDIS_URL}). Press Ctrl-C to stop."
        )
        try:
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with {child.returncode}; stopping.")
                        stopping = True
                time.sleep(0.5)
        finally:
            self.stdout.write("Stopping ...")
            for name in ["web", *[n for n in children if n.startswith("worker")], "maintenance"]:
                _stop(children[name])
            if not os.environ.get("REDIS_URL"):
                embedded_redis.stop(settings.VAR_DIR, "redis")
            self.stdout.write("Stopped.")


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    # RQ: the first SIGTERM is a warm shutdown (finish the job), the second a
    # cold one. Tasks are resumable, so we do not wait for a long job.
    for sig, wait in ((signal.SIGTERM, 8), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            child.send_signal(sig)
        except ProcessLookupError:
            return
        try:
            child.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
