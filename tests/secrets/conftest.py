"""Fixtures for the secrets tests: a real OpenBao dev server; no Django needed.

Deliberately no ``__init__.py`` in this directory: as a package it would be named
``secrets`` and shadow the standard library module of that name.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _path in (ROOT, HERE):  # run from anywhere, not only from the project root
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bao_server import Bao, free_port, running_bao  # noqa: E402

from parser_project import secrets as project_secrets  # noqa: E402


@pytest.fixture(scope="session")
def bao() -> Iterator[Bao]:
    with running_bao() as server:
        yield server


@pytest.fixture(scope="session")
def _clean_redis() -> Iterator[None]:
    """Overrides tests/conftest.py's autouse fixture of this name (same name, closer
    conftest wins): it imports django_rq, and these tests run without Django
    (``-p no:django``) and use no Redis."""
    yield


@pytest.fixture(autouse=True)
def _fresh_secret_cache() -> Iterator[None]:
    project_secrets.clear_cache()
    yield
    project_secrets.clear_cache()


@pytest.fixture
def closed_port_addr() -> str:
    """An address where nothing listens: connections are refused at once."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def silent_server_addr() -> Iterator[str]:
    """An address that accepts connections (kernel backlog) but never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def _fresh_sandbox() -> Iterator[None]:
    """Overrides tests/conftest.py's autouse fixture, which needs Django; these tests
    run with `-p no:django` and keep their own state."""
    yield
