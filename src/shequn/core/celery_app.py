"""The Celery application of the production runtime (ARCHITECTURE §5).

    celery -A shequn.core.celery_app worker      (or: shequn worker)
    celery -A shequn.core.celery_app beat        (or: shequn worker beat)

Delivery settings follow specs/reliability-security.md §1.1: publisher confirms,
durable queue and persistent messages, ack after the task ran, requeue when a
pool process dies, one reserved message per process. Losses are also covered
one level up: the outbox row stays until processed, and the relay republishes
an event that was relayed but not processed after SHEQUN_RELAY_STALE_SECONDS.

Environment (all optional):
    BROKER_URL                   amqp://guest:guest@127.0.0.1:5672//
    SHEQUN_CELERY_QUEUE          queue name (default "shequn"; tests use a unique one)
    SHEQUN_BEAT_INTERVAL         seconds between runs of each periodic job (default 15)
    SHEQUN_RELAY_SWEEP_INTERVAL  seconds between beat's relay sweeps (default 30)
    SHEQUN_TASK_TIME_LIMIT       hard limit per task in seconds (default 300)
    SHEQUN_WORKER_IMPORTS        extra modules to import after Django setup
                                 (comma-separated; tests register handlers this way)
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun
from kombu import Exchange, Queue

DEFAULT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"

# Database connections in tasks. Celery's Django fixup closes every connection before
# and after each task unless CELERY_DB_REUSE_MAX is set (then only every that many
# tasks), whatever CONN_MAX_AGE says; a new PostgreSQL connection costs about 7.5 ms,
# more than processing most events. So workers keep theirs and, as Django does around
# a request, drop one that is too old (CONN_MAX_AGE: `shequn worker` sets 300 s), in
# error or failing its health check (CONN_HEALTH_CHECKS) before and after each task.
DB_REUSE_MAX = 1000


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
    from django.apps import apps

    if not apps.ready and not apps.loading:
        import django

        django.setup()


# The task that runs one outbox event (defined in shequn.core.tasks). The relay
# publishes it by name, so the relay does not import the tasks that call it.
PROCESS_EVENT_TASK = "shequn.process_event"


def broker_url() -> str:
    return os.environ.get("BROKER_URL", DEFAULT_BROKER_URL)


def queue_name() -> str:
    """Read at call time so a test can point the relay at its own queue."""
    return os.environ.get("SHEQUN_CELERY_QUEUE", "shequn")


def _seconds(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def beat_schedule() -> dict[str, dict[str, Any]]:
    """One beat entry per job registered with shequn.core.worker.periodic, plus
    a relay sweep (a backstop for when no dedicated relay process runs)."""
    from shequn.core import worker

    every = _seconds("SHEQUN_BEAT_INTERVAL", 15)
    schedule: dict[str, dict[str, Any]] = {
        f"periodic:{name}": {
            "task": "shequn.run_periodic", "schedule": every, "args": (name,),
            # A run that waited longer than one interval is superseded by the next.
            "options": {"expires": every},
        }
        for name in sorted(worker.periodic_jobs())
    }
    sweep = _seconds("SHEQUN_RELAY_SWEEP_INTERVAL", 30)
    schedule["relay-sweep"] = {"task": "shequn.relay_sweep", "schedule": sweep,
                               "options": {"expires": sweep}}
    return schedule


def _configure(celery: Celery) -> None:
    queue = queue_name()
    time_limit = _seconds("SHEQUN_TASK_TIME_LIMIT", 300)
    from django.conf import settings

    celery.conf.update(
        broker_url=broker_url(),
        # Publisher confirms: a publish returns only once the broker has the message.
        broker_transport_options={"confirm_publish": True},
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=5,
        broker_heartbeat=30,
        task_queues=[Queue(queue, Exchange(queue, type="direct", durable=True),
                           routing_key=queue, durable=True)],
        task_default_queue=queue,
        task_default_exchange=queue,
        task_default_routing_key=queue,
        task_create_missing_queues=True,
        task_default_delivery_mode="persistent",
        task_serializer="json",
        accept_content=["json"],
        # Ack after the task ran; requeue if the pool process running it dies.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        # Bounded publish retries: the relay must not hang on a dead broker.
        task_publish_retry=True,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2,
                                   "interval_step": 0.5, "interval_max": 1.0},
        # Below RabbitMQ's consumer_timeout (30 min) so a stuck task is not redelivered
        # behind our back while it still runs.
        task_time_limit=time_limit,
        task_soft_time_limit=max(time_limit - 10, 1),
        task_ignore_result=True,
        result_backend=None,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,  # Django's LOGGING already writes to stderr
        worker_send_task_events=False,
        timezone="UTC",
        CELERY_DB_REUSE_MAX=DB_REUSE_MAX,
        beat_schedule=beat_schedule(),
        beat_schedule_filename=str(settings.VAR_DIR / "celerybeat-schedule"),
    )


def recycle_db_connections(task: Any = None, **_: Any) -> None:
    """Before and after each task: close connections that are too old or broken.
    Not for a task run eagerly (inline in its caller's transaction)."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


task_prerun.connect(recycle_db_connections, weak=False)
task_postrun.connect(recycle_db_connections, weak=False)


def worker_logging(**_: Any) -> None:
    """The worker's and beat's own records (task received, succeeded, failed,
    retried) through Django's handler: one JSON object per line outside the
    demo, as the web's. Left to Celery, they were plain text in local time
    beside the JSON lines of the application."""
    import logging.config

    from django.conf import settings

    config = dict(settings.LOGGING)
    config["root"] = {"handlers": ["console"], "level": "INFO"}
    logging.config.dictConfig(config)


# Connected, it replaces Celery's own logging set-up (celery.signals.setup_logging).
setup_logging.connect(worker_logging, weak=False)

_setup_django()
app = Celery("shequn", include=["shequn.core.tasks"])
# Before configuring: an extra module may register periodic jobs for beat.
for _module in filter(None, os.environ.get("SHEQUN_WORKER_IMPORTS", "").split(",")):
    importlib.import_module(_module.strip())
_configure(app)
