"""Real concurrency on PostgreSQL for the tests that prove contested rows stay
right: ``n`` threads, each on its own database connection, released together."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import OperationalError, connection

from shequn.core.errors import DomainError


def race(n: int, work: Callable[[int], object], *, timeout: float = 120
         ) -> list[tuple[str, object]]:
    """Run ``work(i)`` for i in 0..n-1 in threads released by one barrier.
    Each outcome is ("ok", result), (a domain error's code, the error),
    ("operational_error", exc) for deadlocks and lock timeouts, or ("error", exc)."""
    barrier = threading.Barrier(n)
    results: list[tuple[str, object]] = [("none", None)] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = ("ok", work(i))
        except DomainError as exc:
            results[i] = (exc.code, exc)
        except OperationalError as exc:
            results[i] = ("operational_error", exc)
        except Exception as exc:
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results
