"""Dockerfile and compose.yaml: linted here, their build step replayed outside Docker.

No Docker engine runs on the build machines, so the files are checked for what
matters (non-root, no secrets, the same commands as `make run`) and the one
build step that runs project code (collectstatic without any secret or Redis)
is executed exactly as the Dockerfile writes it.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tasks_app.services import QUEUE_FOR_PRIORITY

ROOT = Path(__file__).resolve().parent.parent
SECRET_WORDS = re.compile(r"(SECRET|PASSWORD|TOKEN|API_HASH|KEYS?)\b", re.I)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> list[str]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_it_builds_a_slim_non_root_image_without_secrets(dockerfile: list[str]) -> None:
    assert dockerfile[0].startswith("FROM python:3.11-slim")
    users = [line.split()[1] for line in dockerfile if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    for line in dockerfile:
        if line.startswith(("ENV ", "ARG ")):
            assert not SECRET_WORDS.search(line), line
    copied = [line.split()[1] for line in dockerfile if line.startswith("COPY ")]
    for source in copied:
        assert (ROOT / source).exists(), source
    assert "parser_project.asgi:application" in dockerfile[-1]


def test_it_runs_the_same_commands_as_make_run(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "maintenance"} <= set(services)
    worker = services["worker"]["command"]
    queues = list(dict.fromkeys(QUEUE_FOR_PRIORITY.values()))
    assert worker[:3] == ["python", "manage.py", "rqworker"]
    assert worker[3 : 3 + len(queues)] == queues
    runservice = (ROOT / "tasks_app/management/commands/runservice.py").read_text()
    assert '"rqworker", "high", "default", "low", "--with-scheduler"' in runservice
    assert "--with-scheduler" in worker
    assert "container_name" not in services["worker"]  # --scale worker=N needs it unset
    assert "parser_project.asgi:application" in services["web"]["command"]
    assert services["maintenance"]["command"][-1] == "maintain"
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name


def test_it_keeps_secrets_out_of_compose(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        environment = service.get("environment") or {}
        for key, value in environment.items():
            if SECRET_WORDS.search(key) and name != "postgres":
                assert re.fullmatch(r"\$\{[A-Z_]+:?-?\}", str(value)), (name, key, value)


def test_it_replays_the_collectstatic_build_step(dockerfile: list[str], tmp_path: Path) -> None:
    (step,) = [line for line in dockerfile if "collectstatic" in line]
    command = next(part for part in step.split("&&") if "collectstatic" in part)
    words = shlex.split(command)
    env_words = [w for w in words if re.fullmatch(r"[A-Z_]+=.*", w)]
    argv = words[len(env_words) :]
    assert argv[:2] == ["python", "manage.py"]
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "VAR_DIR": str(tmp_path / "var"),
        **dict(w.split("=", 1) for w in env_words),
    }
    result = subprocess.run(
        [sys.executable, *argv[1:]],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "var/staticfiles/css/app.css").exists()
    assert (tmp_path / "var/staticfiles/admin/css/base.css").exists()


def test_it_documents_exactly_the_sandbox_world_in_the_readme() -> None:
    from platforms.telegram.sandbox import get_world

    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- sandbox-table")[1].split("-->", 1)[1].split("<!-- /sandbox-table")[0]
    assert table.strip() == get_world().describe_markdown().strip()
