"""The maintenance loop: recover stalled tasks, apply data retention."""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from tasks_app.services import results_purge_expired, tasks_recover

log = logging.getLogger(__name__)
PURGE_EVERY = 3600.0


class Command(BaseCommand):
    help = "Re-queue tasks whose worker died, enqueue stuck pending tasks, purge expired data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run one round and exit")
        parser.add_argument("--every", type=float, default=30.0, help="seconds between rounds")

    def handle(self, *args: Any, once: bool, every: float, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        last_purge = 0.0
        while True:
            close_old_connections()
            try:
                recovered = tasks_recover()
                if any(recovered.values()) or once:
                    self.stdout.write(f"recovery: {recovered}")
                if once or time.monotonic() - last_purge > PURGE_EVERY:
                    purged = results_purge_expired()
                    last_purge = time.monotonic()
                    if any(purged.values()) or once:
                        self.stdout.write(f"retention: {purged}")
            except Exception:
                log.exception("maintenance round failed")
            if once or stop.wait(every):
                return
