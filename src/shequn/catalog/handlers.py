"""Catalog reactions to outbox events: the XLSX import job runs here (outside the
event's transaction, so its progress is visible to the page while it runs)."""

from __future__ import annotations

from shequn.catalog import spreadsheet_io
from shequn.core import outbox
from shequn.core.models import OutboxEvent


@outbox.handler(spreadsheet_io.IMPORT_TOPIC, in_transaction=False)
def run_import(event: OutboxEvent) -> None:
    spreadsheet_io.run_import(int(event.payload["job_id"]))
