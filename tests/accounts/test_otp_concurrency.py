from __future__ import annotations

import threading

import pytest
from django.db import connection

from shequn.accounts import services
from shequn.accounts.models import OneTimeCode, User
from shequn.accounts.sms import SimulatedSms
from shequn.core.errors import DomainError
from tests.builders import phone


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_code_signs_in_once_under_parallel_use():
    p = phone(50)
    services.request_code(p, "203.0.113.9")
    code = SimulatedSms.last_code(p)
    results: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker() -> None:
        try:
            barrier.wait()
            try:
                services.verify_code(p, code, None)
                out = "ok"
            except DomainError as err:
                out = err.code
            with lock:
                results.append(out)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    assert set(results) - {"ok"} <= {"code_invalid", "too_many_attempts"}
    assert User.objects.filter(username__startswith="p_").count() == 1
    assert OneTimeCode.objects.get().attempts <= 5
