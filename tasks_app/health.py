"""Is the service ready: database, Redis and at least one worker."""

from __future__ import annotations

from typing import Any

import django_rq
from django.db import connection
from rq import Worker


def health_report() -> dict[str, Any]:
    checks: dict[str, dict[str, Any]] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    redis = None
    try:
        redis = django_rq.get_connection("default")
        redis.ping()
        checks["redis"] = {"ok": True}
    except Exception as exc:
        checks["redis"] = {"ok": False, "error": type(exc).__name__}
    if checks["redis"]["ok"] and redis is not None:
        workers = Worker.all(connection=redis)
        queues = sorted({q for w in workers for q in w.queue_names()})
        checks["workers"] = {"ok": bool(workers), "count": len(workers), "queues": queues}
    else:
        checks["workers"] = {"ok": False, "count": 0}
    return {"ready": all(check["ok"] for check in checks.values()), "checks": checks}
