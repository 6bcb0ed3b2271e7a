"""The staging topology (``topology.py``), started once for the package: the
HTTP walks (``test_staging_topology.py``) and the Chromium walk
(``test_staging_browser.py``) use the same processes, so `make test` pays the
start (migrate, seed, collectstatic, about a minute) once; it is stopped after
the last test of ``tests/deploy``."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.deploy.topology import Topology


def _redis_answers(url: str = "redis://127.0.0.1:6379") -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="package")
def staging(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    if not _redis_answers():
        pytest.skip("needs Redis at 127.0.0.1:6379 (`make test` starts it)")
    # No worker recycling during the tests: the two pids are the two workers.
    # Its keys have a prefix of their own (removed on stop) in this Redis index.
    topo = Topology(tmp_path_factory.mktemp("staging"), web_workers=2,
                    redis_db=int(os.environ.get("SHEQUN_TEST_STAGING_REDIS_DB", "7")),
                    extra_env={"SHEQUN_WEB_MAX_REQUESTS": "0"})
    topo.start()  # tears itself down when it fails half-way
    try:
        yield topo
    finally:
        topo.stop()
