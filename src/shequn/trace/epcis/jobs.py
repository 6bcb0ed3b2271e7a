"""The list of capture jobs (GET /epcis/capture): an organization's own jobs,
newest first, a page at a time with the same opaque keyset token as the
event queries (the last job's creation time and id)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

from django.db.models import Q

from shequn.catalog.models import Organization
from shequn.trace.epcis.errors import EpcisError
from shequn.trace.epcis.query import pack_token, page_size, unpack_token
from shequn.trace.models import CaptureJob

PARAMS = {"perPage", "nextPageToken"}


def jobs(params: Mapping[str, str], org: Organization | None) -> tuple[list[CaptureJob], str]:
    """One page of the jobs ``org`` submitted (the platform's key: every job),
    and the token of the next ('' on the last page)."""
    unknown = sorted(set(params) - PARAMS)
    if unknown:
        raise EpcisError.UNKNOWN_PARAMETER.error(parameter=unknown[0])
    per_page = page_size(params)
    qs = CaptureJob.objects.defer("document")  # a waiting document can be megabytes
    if org is not None:
        qs = qs.filter(org=org)
    if params.get("nextPageToken"):
        at, last = _decode(params["nextPageToken"])
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=last))
    rows = list(qs.order_by("-created_at", "-pk")[:per_page + 1])
    token = _encode(rows[per_page - 1]) if len(rows) > per_page else ""
    return rows[:per_page], token


def _encode(job: CaptureJob) -> str:
    return pack_token({"job_at": job.created_at.isoformat(), "job": str(job.pk)})


def _decode(token: str) -> tuple[dt.datetime, uuid.UUID]:
    data = unpack_token(token)
    try:
        at, last = dt.datetime.fromisoformat(data["job_at"]), uuid.UUID(data["job"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise EpcisError.BAD_TOKEN.error() from None
    if at.tzinfo is None:
        raise EpcisError.BAD_TOKEN.error()
    return at, last
