"""The worker's own log lines go through the application's handler."""

from __future__ import annotations

import logging
import logging.config

from celery.signals import setup_logging


def test_celery_records_go_through_djangos_handler_once(capsys, settings):
    from shequn.core.celery_app import worker_logging

    # Celery skips its own set-up (plain text, local time) when a receiver is
    # connected to setup_logging: ours.
    assert setup_logging.has_listeners()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        worker_logging()
        logging.getLogger("celery.app.trace").info("Task shequn.probe[1] succeeded")
        logging.getLogger("shequn.probe").warning("an application line")
        out = capsys.readouterr()
        text = out.out + out.err
        assert text.count("Task shequn.probe[1] succeeded") == 1
        # The handler of settings.LOGGING (its format names logger and request id).
        assert "INFO celery.app.trace [" in text
        assert text.count("an application line") == 1
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        logging.config.dictConfig(settings.LOGGING)
        logging.getLogger("shequn").propagate = True  # as tests/conftest.py sets it
