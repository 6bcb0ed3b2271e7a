"""Receipts customs would send about one declaration, built as the CEB XML
``services.receive`` takes (tests push them to decide the order of events)."""

from __future__ import annotations

from shequn.customs.ceb import messages
from shequn.customs.ceb import model as ceb
from shequn.customs.models import Declaration

IDS = {"customs_code": "2991", "agent_code": "3301000005", "ebp_code": "3301960SQP",
       "ebc_code": "3301000005"}


def inventory_receipt(declaration: Declaration, status: str, at: str,
                      info: str = "x") -> bytes:
    """A CEB622 (e.g. 800 放行) for ``declaration``; ``at`` is its returnTime."""
    record = ceb.InventoryReturn(cop_no=declaration.cop_no,
                                 pre_no=declaration.pre_no or "B20261125000000001",
                                 invt_no=declaration.invt_no or "29912026I000000001",
                                 return_status=status, return_time=at, return_info=info,
                                 **IDS)
    return messages.to_bytes(messages.build_message("CEB622Message", [record]))


def cancel_answer(declaration: Declaration, status: str, at: str = "20991125100000000",
                  info: str = "撤单审批") -> bytes:
    """A CEB624: 399 approves the cancellation, 100 or a negative code refuses it."""
    record = ceb.InvtCancelReturn(cop_no=declaration.cop_no,
                                  pre_no=declaration.pre_no or "B20261125000000001",
                                  invt_no=declaration.invt_no or "29912026I000000001",
                                  return_status=status, return_time=at, return_info=info,
                                  **IDS)
    return messages.to_bytes(messages.build_message("CEB624Message", [record]))
