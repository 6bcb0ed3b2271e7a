"""Rate limits whose first hits are counted in the process (``local_first``):
the limit still holds exactly in one process, the held hits reach the shared
count with the next one, a new window starts afresh, and across processes a key
passes its limit by no more than the hits the other processes hold."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from shequn.core import clock, ratelimit


@pytest.fixture
def key() -> str:
    return "test:" + uuid.uuid4().hex


def test_the_limit_holds_exactly_in_one_process(key):
    answers = [ratelimit.hit(key, 5, 60, local_first=3) for _ in range(8)]
    assert answers == [True] * 5 + [False] * 3
    # Every hit is in the shared count once the held ones were sent.
    assert ratelimit.count(key, 60) == 8


def test_held_hits_reach_the_shared_count_with_the_next_one(key):
    for _ in range(3):
        assert ratelimit.hit(key, 60, 60, local_first=3)
    assert ratelimit.count(key, 60) == 0  # held here: no round trip
    assert ratelimit.hit(key, 60, 60, local_first=3)
    assert ratelimit.count(key, 60) == 4
    assert ratelimit.hit(key, 60, 60, local_first=3)
    assert ratelimit.count(key, 60) == 5  # sent ones go on one by one


def test_a_key_seen_shared_elsewhere_is_refused_at_the_shared_count(key):
    """Hits counted by other processes stop this one as soon as it sends."""
    for _ in range(10):
        ratelimit.hit(key, 10, 60)  # another process, no local counting
    assert ratelimit.hit(key, 10, 60, local_first=2)  # held: this process saw 1
    assert ratelimit.hit(key, 10, 60, local_first=2)
    assert not ratelimit.hit(key, 10, 60, local_first=2)  # sends 3: 13 > 10
    assert ratelimit.count(key, 60) == 13


def test_across_processes_a_key_passes_its_limit_by_the_held_hits_at_most(key, monkeypatch):
    limit, held, processes = 10, 3, 4
    # Each process's held hits (the module's state, one per process).
    states: list[dict] = [{} for _ in range(processes)]
    allowed = 0
    for _ in range(limit * 3):  # the processes in turn, round after round
        for state in states:
            monkeypatch.setattr(ratelimit, "_held", state)
            allowed += ratelimit.hit(key, limit, 60, local_first=held)
    assert limit <= allowed <= limit + (processes - 1) * held
    assert ratelimit.count(key, 60) == limit * 3 * processes  # none lost


def test_a_new_window_starts_afresh(key, monkeypatch):
    now = clock.now()
    monkeypatch.setattr(clock, "now", lambda: now)
    for _ in range(5):
        ratelimit.hit(key, 4, 60, local_first=3)
    assert not ratelimit.hit(key, 4, 60, local_first=3)
    monkeypatch.setattr(clock, "now", lambda: now + dt.timedelta(seconds=61))
    assert ratelimit.hit(key, 4, 60, local_first=3)
    assert ratelimit.count(key, 60) == 0  # the new window's first hit is held


def test_past_the_held_keys_new_keys_go_to_the_shared_count(key, monkeypatch):
    monkeypatch.setattr(ratelimit, "HELD_KEYS", 2)
    ratelimit.hit(key + ":a", 60, 60, local_first=3)
    ratelimit.hit(key + ":b", 60, 60, local_first=3)
    for _ in range(3):
        ratelimit.hit(key + ":c", 60, 60, local_first=3)
    assert ratelimit.count(key + ":c", 60) == 3  # each sent at once, none held
    assert ratelimit.count(key + ":a", 60) == 0
    assert sum(len(keys) for _, keys in ratelimit._held.values()) == 2


def test_the_verify_page_still_refuses_an_address_past_its_minute(client, db):
    """Sixty checks a minute from one address, the sixty-first refused, with
    the first three of them held in the process."""
    url = "/01/00000000000000/21/NOSUCHCODE"  # a well-formed code of no unit
    statuses = [client.get(url, REMOTE_ADDR="192.0.2.7").status_code for _ in range(61)]
    assert set(statuses[:60]) == {404} and statuses[60] == 429
    assert client.get(url, REMOTE_ADDR="192.0.2.8").status_code == 404
