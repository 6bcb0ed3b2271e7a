"""The electronic waybill label (电子面单, logistics.md §2.6): 76×130 mm PDF with
a Code 128 barcode of the waybill number, the sort label, the receiver (phone
masked), the sender, and a QR code of the carrier's two-dimension code.
Chinese text uses reportlab's built-in CID font STSong-Light (no font file)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import code128, qr
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
SIZE = (76 * mm, 130 * mm)


@dataclass(frozen=True)
class LabelData:
    waybill_no: str
    order_no: str
    route_label: str
    product: str
    coding: str
    qr_text: str
    receiver: str
    receiver_phone_masked: str
    receiver_address: str
    sender: str
    sender_address: str
    cargo: str
    weight_kg: Decimal
    printed_at: str


def _font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _wrap(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def render(data: LabelData) -> bytes:
    _font()
    buf = io.BytesIO()
    w, h = SIZE
    c = canvas.Canvas(buf, pagesize=SIZE, invariant=1)
    c.setTitle(f"{data.waybill_no}")
    c.setSubject(f"waybill {data.waybill_no} order {data.order_no}")
    c.setFont(FONT, 9)
    c.drawString(3 * mm, h - 6 * mm, f"顺丰速运  {data.product}")
    c.drawRightString(w - 3 * mm, h - 6 * mm, "寄付月结")
    c.setFont(FONT, 18)
    c.drawString(3 * mm, h - 15 * mm, data.route_label or "-")
    c.setFont(FONT, 12)
    c.drawRightString(w - 3 * mm, h - 15 * mm, data.coding)
    c.line(2 * mm, h - 18 * mm, w - 2 * mm, h - 18 * mm)
    barcode = code128.Code128(data.waybill_no, barHeight=14 * mm, barWidth=0.33 * mm,
                              humanReadable=False)
    barcode.drawOn(c, (w - barcode.width) / 2, h - 34 * mm)
    c.setFont(FONT, 11)
    c.drawCentredString(w / 2, h - 39 * mm, " ".join(
        data.waybill_no[i:i + 3] for i in range(0, len(data.waybill_no), 3)))
    c.line(2 * mm, h - 41 * mm, w - 2 * mm, h - 41 * mm)
    c.setFont(FONT, 9)
    y = h - 46 * mm
    c.drawString(3 * mm, y, f"收 {data.receiver}  {data.receiver_phone_masked}")
    for part in _wrap(data.receiver_address, 22)[:3]:
        y -= 4 * mm
        c.drawString(6 * mm, y, part)
    y -= 6 * mm
    c.setFont(FONT, 7)
    c.drawString(3 * mm, y, f"寄 {data.sender}")
    for part in _wrap(data.sender_address, 30)[:2]:
        y -= 3.5 * mm
        c.drawString(6 * mm, y, part)
    c.line(2 * mm, y - 2 * mm, w - 2 * mm, y - 2 * mm)
    y -= 6 * mm
    for part in _wrap(f"托寄物 {data.cargo}", 30)[:3]:
        c.drawString(3 * mm, y, part)
        y -= 3.5 * mm
    c.drawString(3 * mm, y, f"件数 1  重量 {data.weight_kg} kg  订单 {data.order_no}")
    if data.qr_text:
        widget = qr.QrCodeWidget(data.qr_text)
        x0, y0, x1, y1 = widget.getBounds()
        side = 24 * mm
        drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, c, w - side - 3 * mm, 4 * mm)
    c.drawString(3 * mm, 14 * mm, f"打印 {data.printed_at}")
    c.drawString(3 * mm, 6 * mm, "签收人 ____________")
    c.showPage()
    c.save()
    return buf.getvalue()
