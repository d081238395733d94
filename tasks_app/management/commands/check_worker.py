"""Healthcheck of a worker container: is an RQ worker of this host registered?"""

from __future__ import annotations

import socket
from typing import Any

import django_rq
from django.core.management.base import BaseCommand, CommandError
from rq import Worker


class Command(BaseCommand):
    help = "Exit 0 if an RQ worker on this host is registered in Redis, 1 otherwise."

    def handle(self, *args: Any, **options: Any) -> None:
        host = socket.gethostname()
        workers = [
            w
            for w in Worker.all(connection=django_rq.get_connection("default"))
            if w.hostname == host
        ]
        if not workers:
            raise CommandError(f"no RQ worker registered for host {host}")
        self.stdout.write(f"{len(workers)} worker(s) on {host}: {workers[0].get_state()}")
