"""What the brand's and the warehouse's code-batch pages share: the progress
context and the CSV and label-sheet downloads (each console checks who may see
the batch before calling these)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse

from shequn.trace import codes, labels
from shequn.trace.models import CodeBatch


def base_url(request: HttpRequest) -> str:
    """Where printed codes send a phone: the configured verify address (always
    set outside the demo), else this site as the request reached it."""
    return str(settings.SHEQUN["VERIFY_BASE_URL"]) or request.build_absolute_uri("/").rstrip("/")


def detail(request: HttpRequest, batch: CodeBatch, ns: str, template: str,
           **extra: Any) -> HttpResponse:
    """The batch page, or only its progress block for htmx polling. ``ns`` is
    the console's URL namespace (brand, warehouse)."""
    ctx = {"batch": batch, "percent": codes.percent(batch),
           "running": batch.state in ("queued", "running"),
           "pages": -(-batch.generated // labels.PER_PAGE), "per_file": labels.MAX_LABELS,
           "label_files": _label_files(batch.generated),
           "progress_url": reverse(f"{ns}:codes_detail", kwargs={"batch_id": batch.pk}),
           "csv_url": reverse(f"{ns}:codes_csv", kwargs={"batch_id": batch.pk}),
           "pdf_url": reverse(f"{ns}:codes_pdf", kwargs={"batch_id": batch.pk}),
           "cartons_url": reverse(f"{ns}:codes_cartons", kwargs={"batch_id": batch.pk}),
           **extra}
    if request.headers.get("HX-Request"):
        return render(request, "codes/_progress.html", ctx)
    return render(request, template, ctx)


# Up to this many label files are offered as links; a larger batch (up to a
# million codes: 417 files) gets a "from label number" form instead.
LINKED_FILES = 10


def _label_files(generated: int) -> list[tuple[int, int]]:
    """(first, last) label numbers, counted from 1, of each label file when
    there are few enough to list."""
    per = labels.MAX_LABELS
    if not generated or -(-generated // per) > LINKED_FILES:
        return []
    return [(first + 1, min(first + per, generated)) for first in range(0, generated, per)]


def csv_download(request: HttpRequest, batch: CodeBatch) -> HttpResponse:
    response = StreamingHttpResponse(labels.csv_stream(batch, base_url(request)),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="codes-{batch.gtin}-{batch.lot}.csv"'
    return response  # type: ignore[return-value]


def pdf_download(request: HttpRequest, batch: CodeBatch) -> HttpResponse:
    """Label sheets, a range at a time: ``from`` (the first label's number,
    counted from 1, as the batch page's form sends it) or ``first`` (counted
    from 0), and ``count``."""
    try:
        first = (int(request.GET["from"]) - 1 if "from" in request.GET
                 else int(request.GET.get("first", "0")))
        # Within the batch: an offset past what PostgreSQL's bigint holds was a 500.
        first = min(max(0, first), batch.quantity)
        count = int(request.GET.get("count", str(labels.PER_PAGE * 10)))
    except ValueError:
        first, count = 0, labels.PER_PAGE * 10
    body = labels.pdf(batch, base_url(request), first, count)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="labels-{batch.gtin}-{batch.lot}-'
                                       f'{first + 1}.pdf"')
    return response


def cartons_download(request: HttpRequest, batch: CodeBatch) -> HttpResponse:
    response = HttpResponse(labels.carton_pdf(batch, base_url(request)),
                            content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="cartons-{batch.gtin}-'
                                       f'{batch.lot}.pdf"')
    return response
