"""Benchmarks: `make bench` (or `python -m bench --rows 100000`).

Speed and memory are measured here, never in tests. Runs against a throwaway
test database created on the configured server (DATABASE_URL, default SQLite)
and prints a Markdown table; BENCHMARKS.md records the numbers with the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parser_project.settings")
os.environ.setdefault("DEBUG", "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.test.utils import (  # noqa: E402
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

ROWS: list[tuple[str, str, str, str]] = []


def measure(name: str, target: str, work: Callable[[], Any], *, repeatable: bool = True) -> Any:
    """Wall time of one untraced run, then (when the work can run twice) the
    peak of Python allocations during a second, traced run: what the phase
    itself holds in memory, whatever the process held before."""
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    memory = ""
    if repeatable:
        tracemalloc.start()
        work()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        memory = f"{peak / 2**20:.1f} MiB"
    ROWS.append((name, f"{seconds:.3f} s", memory, target))
    return result


def fill(rows: int) -> Any:
    from django.contrib.auth import get_user_model

    return fill_for(get_user_model().objects.create_user("bench"), rows)


def fill_for(user: Any, rows: int) -> Any:
    from tasks_app.models import ParseResult, ParseTask

    task = ParseTask.objects.create(
        owner=user,
        platform="telegram",
        link="@bench",
        target="@bench",
        status="completed",
        settings={"user_limit": rows},
    )
    joined = datetime(2025, 1, 1, tzinfo=UTC)
    batch = []
    for n in range(rows):
        batch.append(
            ParseResult(
                task=task,
                platform="telegram",
                platform_id=str(10_000_000 + n),
                username=f"person_{n}",
                display_name=f"Имя Фамилия {n}",
                phone=f"7999{n:07d}" if n % 4 == 0 else None,
                joined_at=joined + timedelta(minutes=n),
                metadata={
                    "source": "members",
                    "role": "member",
                    "is_bot": n % 50 == 0,
                    "is_deleted": False,
                    "is_premium": n % 7 == 0,
                    "is_verified": False,
                    "is_scam": False,
                    "is_fake": False,
                    "last_seen": "recently",
                    "lang_code": "ru",
                },
            )
        )
        if len(batch) == 5000:
            ParseResult.objects.bulk_create(batch)
            batch = []
    ParseResult.objects.bulk_create(batch)
    return task


def bench_exports(task: Any, rows: int) -> None:
    from tasks_app import exports
    from tasks_app.selectors import results_of

    def csv_all() -> int:
        response = exports.csv_response(task, results_of(task))
        return sum(len(chunk) for chunk in response.streaming_content)

    size = measure(f"CSV export, {rows:,} rows (streamed)", "< 15 s, < 50 MiB", csv_all)

    def xlsx_all() -> int:
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
            exports.write_xlsx(task, results_of(task), handle.name)
            return os.path.getsize(handle.name)

    xsize = measure(f"XLSX export, {rows:,} rows (write-only)", "< 60 s, < 50 MiB", xlsx_all)
    ROWS.append(
        (f"  file sizes: CSV {size / 2**20:.1f} MiB, XLSX {xsize / 2**20:.1f} MiB", "", "", "")
    )


def bench_pages(task: Any, rows: int) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(task.owner)
    url = f"/api/v1/tasks/{task.task_id}/results/"
    middle = task.results.order_by("id").values_list("id", flat=True)[rows // 2]
    for label, query in [
        ("first page", "?limit=100"),
        (f"page at offset {rows // 2:,}", f"?limit=100&offset={rows // 2}"),
        (f"cursor page after row {rows // 2:,}", f"?limit=100&after={middle}"),
    ]:

        def get(query: str = query) -> None:
            for _ in range(20):
                response = client.get(url + query)
                assert response.status_code == 200, (response.status_code, response.content[:300])

        measure(f"Results JSON, {label} (x20)", "< 2 s for 20", get)


def bench_ingest(rows: int) -> None:
    """The job's write path: 200-person batches, bulk insert + counters + checkpoint."""
    from django.contrib.auth import get_user_model

    from platforms.base import Batch, Person
    from tasks_app.jobs import TaskRunner
    from tasks_app.models import ParseTask

    owner = get_user_model().objects.create_user("bench-ingest")
    task = ParseTask.objects.create(
        owner=owner,
        platform="telegram",
        link="@x",
        target="@x",
        status="running",
        settings={"user_limit": rows},
    )
    runner = TaskRunner(task, "bench")

    def ingest() -> None:
        for start in range(0, rows, 200):
            people = [
                Person(
                    platform_id=str(n),
                    username=f"u{n}",
                    display_name=f"N {n}",
                    metadata={"source": "members"},
                )
                for n in range(start, min(start + 200, rows))
            ]
            runner.save(Batch(records=people, checkpoint={"offset": start + 200}))

    measure(f"Job writes {rows:,} people in batches of 200", "< 30 s", ingest, repeatable=False)


def bench_sandbox_parse() -> None:
    from platforms.base import AccountCredentials, ParseOptions
    from platforms.telegram.adapter import TelegramAdapter
    from platforms.telegram.client import sandbox_state
    from platforms.telegram.sandbox import sandbox_session_string

    sandbox_state().reset()

    async def collect() -> int:
        adapter = TelegramAdapter()
        await adapter.authenticate(
            AccountCredentials(label="bench", kind="sandbox", session=sandbox_session_string(9))
        )
        count = 0
        try:
            options = ParseOptions(user_limit=10_000, sources=("members",))
            async for batch in adapter.parse_target("@sandbox_group_100k", options):
                count += len(batch.records)
        finally:
            await adapter.cleanup()
        return count

    got = measure(
        "Adapter collects 10,000 members from the sandbox (no pacing)",
        "< 20 s",
        lambda: asyncio.run(collect()),
        repeatable=False,
    )
    assert got == 10_000


def bench_load(users: int) -> None:
    """`users` people read their tasks and result pages at once through daphne."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection

    from bench.load import run_load

    task_ids, accounts = [], []
    for n in range(users):
        name = f"load-{n}"
        owner = get_user_model().objects.create_user(name, password="load-password-1")
        accounts.append((name, "load-password-1"))
        task_ids.append(fill_for(owner, 1000).task_id)
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{s['NAME']}"
    else:
        url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "SESSION_ENCRYPTION_KEYS": ",".join(settings.SESSION_ENCRYPTION_KEYS),
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    outcome = run_load(env, accounts, task_ids)
    ROWS.append(
        (
            f"{users} users at once, {outcome['requests']:,} API reads (one daphne)",
            f"{outcome['seconds']:.1f} s",
            f"p50 {outcome['p50'] * 1000:.0f} ms, p95 {outcome['p95'] * 1000:.0f} ms",
            "p95 < 1 s",
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()
    from django.conf import settings
    from django.db import connection

    setup_test_environment()  # the in-process client's host, fast password hashing
    old = setup_databases(verbosity=0, interactive=False)
    try:
        task = fill(args.rows)
        bench_exports(task, args.rows)
        bench_pages(task, args.rows)
        bench_ingest(min(args.rows, 20_000))
        bench_sandbox_parse()
        bench_load(args.users)
    finally:
        teardown_databases(old, verbosity=0)
    engine = connection.vendor
    print(
        f"\nDatabase: {engine}; Redis: {'embedded' if 'unix' in settings.REDIS_URL else 'server'}"
    )
    print("| Measure | Time | Peak Python allocations | Target |")
    print("|---|---:|---:|---|")
    for row in ROWS:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
