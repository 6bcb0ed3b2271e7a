"""What a receipt means: status codes (spec tables 3-7…3-56; digest §2.8), the
business key a receipt correlates on, and its time — for the receipt state machine."""

from __future__ import annotations

import datetime as dt
import re

from .model import (
    InventoryReturn,
    InvtCancelReturn,
    InvtRefundReturn,
    LogisticsReturn,
    LogisticsStatusReturn,
    MessageReturn,
    OrderReturn,
    PaymentReturn,
    Tax,
    TaxStatus,
    parse_ceb_time,
)

STATUS_TEXT: dict[str, str] = {
    "1": "电子口岸已暂存 saved at E-port",
    "2": "电子口岸申报中 declaring",
    "3": "发送海关成功 sent to customs",
    "4": "发送海关失败 failed to send to customs",
    "100": "海关退单 rejected by customs",
    "120": "海关入库 accepted",
    "300": "人工审核 manual review",
    "399": "海关审结 concluded",
    "500": "查验 inspection",
    "501": "扣留移送通关 detained (clearance)",
    "502": "扣留移送缉私 detained (anti-smuggling)",
    "503": "扣留移送法规 detained (legal)",
    "599": "其它扣留 detained (other)",
    "700": "退运 returned abroad",
    "800": "放行 released",
    "899": "结关 closed",
}


_ERROR_CODE = re.compile(r"-\d{1,9}")


def is_rejection(status: str) -> bool:
    """100 (rejected), 4 (could not reach customs) or a negative error code
    such as -621005; anything else (text, a lone "-") is not."""
    status = status.strip()
    return status in {"100", "4"} or bool(_ERROR_CODE.fullmatch(status))


def receipt_key(record: object) -> tuple[str, ...]:
    """The business key a receipt correlates on (digest §2.8):
    312 (ebpCode, ebcCode, orderNo); 412 (payCode, payTransactionId);
    512 (logisticsCode, logisticsNo); 514 (+ logisticsStatus); 622/624/626 (copNo,);
    816 (invtNo, taxNo); 818 (invtNo, taxNo); 900 (oriCopMsgId,)."""
    match record:
        case OrderReturn():
            return (record.ebp_code, record.ebc_code, record.order_no)
        case PaymentReturn():
            return (record.pay_code, record.pay_transaction_id)
        case LogisticsStatusReturn():
            return (record.logistics_code, record.logistics_no, record.logistics_status)
        case LogisticsReturn():
            return (record.logistics_code, record.logistics_no)
        case InventoryReturn() | InvtCancelReturn() | InvtRefundReturn():
            return (record.cop_no,)
        case Tax():
            return (record.head.invt_no, record.head.tax_no)
        case TaxStatus():
            return (record.invt_no, record.tax_no)
        case MessageReturn():
            return (record.ori_cop_msg_id,)
    raise TypeError(f"{type(record).__name__} is not a receipt")


def returned_at(record: object) -> dt.datetime:
    """When customs produced the receipt (``returnTime``, Beijing time, ms): the
    order receipts are applied in."""
    head = record.head if isinstance(record, Tax) else record
    return parse_ceb_time(getattr(head, "return_time"))  # noqa: B009
