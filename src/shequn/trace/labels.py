"""Label sheets of a code batch: A4 pages of 3 × 8 unit labels (QR of the
unit's GS1 Digital Link, lot, expiry, serial) and carton labels (SSCC), and the
CSV of the same codes. Big batches are printed a page range at a time (a
1,000,000-code PDF is 41,667 pages): ``first``/``count`` choose the units."""

from __future__ import annotations

import io
from collections.abc import Iterator

from django.db.models import Count
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import qr
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from shequn.core import spreadsheet
from shequn.trace import gs1
from shequn.trace.models import CodeBatch, UnitCode

COLS, ROWS = 3, 8
PER_PAGE = COLS * ROWS
MAX_LABELS = 2400  # 100 pages per download


def units_of(batch: CodeBatch, first: int = 0, count: int | None = None) -> Iterator[UnitCode]:
    qs = (UnitCode.objects.filter(batch=batch).select_related("carton").order_by("pk")
          .only("gtin", "serial", "carton__sscc"))
    end = None if count is None else first + count
    return qs[first:end].iterator(chunk_size=2000)


def _qr(c: canvas.Canvas, text: str, x: float, y: float, size: float) -> None:
    widget = qr.QrCodeWidget(text)
    x0, y0, x1, y1 = widget.getBounds()
    d = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    d.add(widget)
    renderPDF.draw(d, c, x, y)


def pdf(batch: CodeBatch, base_url: str, first: int = 0, count: int = PER_PAGE * 10) -> bytes:
    count = max(1, min(count, MAX_LABELS))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(f"{batch.gtin} {batch.lot}")
    w, h = A4
    cell_w, cell_h = (w - 20 * mm) / COLS, (h - 20 * mm) / ROWS
    expiry = batch.expiry.isoformat() if batch.expiry else ""
    n = 0
    for n, unit in enumerate(units_of(batch, first, count)):
        if n and n % PER_PAGE == 0:
            c.showPage()
        i = n % PER_PAGE
        x = 10 * mm + (i % COLS) * cell_w
        y = h - 10 * mm - (i // COLS + 1) * cell_h
        link = gs1.digital_link(base_url, unit.gtin, batch.lot, unit.serial, batch.expiry)
        _qr(c, link, x + 2 * mm, y + 3 * mm, cell_h - 6 * mm)
        tx = x + cell_h - 2 * mm
        c.setFont("Helvetica-Bold", 8)
        c.drawString(tx, y + cell_h - 8 * mm, unit.serial)
        c.setFont("Helvetica", 7)
        c.drawString(tx, y + cell_h - 13 * mm, f"(01){unit.gtin}")
        c.drawString(tx, y + cell_h - 17 * mm, f"(10){batch.lot}")
        if expiry:
            c.drawString(tx, y + cell_h - 21 * mm, f"EXP {expiry}")
        if unit.carton is not None:
            c.drawString(tx, y + cell_h - 25 * mm, f"(00){unit.carton.sscc}")
    c.showPage()
    c.save()
    return buf.getvalue()


CARTON_COLS, CARTON_ROWS = 2, 4
CARTONS_PER_PAGE = CARTON_COLS * CARTON_ROWS
MAX_CARTON_LABELS = 800


def carton_pdf(batch: CodeBatch, base_url: str, first: int = 0,
               count: int = MAX_CARTON_LABELS) -> bytes:
    """A4 pages of 2 × 4 carton labels: QR of the carton's Digital Link
    (/00/<SSCC>, what the warehouse scans to receive all its units), the SSCC
    in GS1 element string form, GTIN, lot, expiry and the unit count."""
    count = max(1, min(count, MAX_CARTON_LABELS))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(f"SSCC {batch.gtin} {batch.lot}")
    w, h = A4
    cell_w, cell_h = (w - 20 * mm) / CARTON_COLS, (h - 20 * mm) / CARTON_ROWS
    expiry = batch.expiry.isoformat() if batch.expiry else ""
    cartons = (batch.cartons.order_by("pk").annotate(n=Count("units"))
               .only("sscc")[first:first + count])
    for n, carton in enumerate(cartons):
        if n and n % CARTONS_PER_PAGE == 0:
            c.showPage()
        i = n % CARTONS_PER_PAGE
        x = 10 * mm + (i % CARTON_COLS) * cell_w
        y = h - 10 * mm - (i // CARTON_COLS + 1) * cell_h
        c.rect(x + 1 * mm, y + 1 * mm, cell_w - 2 * mm, cell_h - 2 * mm)
        _qr(c, gs1.sscc_link(base_url, carton.sscc), x + 4 * mm, y + 16 * mm, cell_h - 22 * mm)
        c.setFont("Helvetica-Bold", 10)
        c.drawString(x + 5 * mm, y + 10 * mm, f"(00){carton.sscc}")
        tx = x + cell_h - 14 * mm
        c.setFont("Helvetica", 8)
        c.drawString(tx, y + cell_h - 12 * mm, f"(02){batch.gtin}")
        c.drawString(tx, y + cell_h - 17 * mm, f"(10){batch.lot}")
        if expiry:
            c.drawString(tx, y + cell_h - 22 * mm, f"EXP {expiry}")
        c.drawString(tx, y + cell_h - 27 * mm, f"(37){carton.n}")
    c.showPage()
    c.save()
    return buf.getvalue()


def csv_rows(batch: CodeBatch, base_url: str) -> Iterator[list[str]]:
    yield ["serial", "gtin", "lot", "expiry", "digital_link", "epc", "carton_sscc"]
    expiry = batch.expiry.isoformat() if batch.expiry else ""
    for unit in units_of(batch):
        yield [unit.serial, unit.gtin, batch.lot, expiry,
               gs1.digital_link(base_url, unit.gtin, batch.lot, unit.serial, batch.expiry),
               gs1.sgtin_urn(unit.gtin, unit.serial),
               unit.carton.sscc if unit.carton is not None else ""]


def csv_stream(batch: CodeBatch, base_url: str) -> Iterator[str]:
    return spreadsheet.csv_lines(csv_rows(batch, base_url))
