"""Documents derived from documents already sent: a cancellation (CEB623) or a
return (CEB625) repeats the inventory's identity fields, so build them from it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from .model import Inventory, InventoryHead, InvtCancel, InvtRefund, InvtRefundHead, InvtRefundLine


def cancel_for(inv: InventoryHead, *, invt_no: str, reason: str,
               pre_no: str | None = None, note: str | None = None) -> InvtCancel:
    """CEB623 record cancelling the declared inventory ``inv`` (customs' ``invtNo``
    from the CEB622 receipt is required)."""
    return InvtCancel(
        customs_code=inv.customs_code, order_no=inv.order_no,
        ebp_code=inv.ebp_code, ebp_name=inv.ebp_name, ebc_code=inv.ebc_code,
        ebc_name=inv.ebc_name, logistics_no=inv.logistics_no,
        logistics_code=inv.logistics_code, logistics_name=inv.logistics_name,
        cop_no=inv.cop_no, pre_no=pre_no or inv.pre_no, invt_no=invt_no,
        buyer_id_type=inv.buyer_id_type, buyer_id_number=inv.buyer_id_number,
        buyer_name=inv.buyer_name, buyer_telephone=inv.buyer_telephone,
        agent_code=inv.agent_code, agent_name=inv.agent_name, reason=reason, note=note)


def refund_for(inv: Inventory, returned: Mapping[int, Decimal], *, invt_no: str, reason: str,
               pre_no: str | None = None, note: str | None = None) -> InvtRefund:
    """CEB625 record returning ``returned`` = {inventory gnum: qty} of ``inv``
    (partial quantities allowed; ``rules.check_refund_inventory`` checks limits)."""
    h = inv.head
    by_gnum = {ln.gnum: ln for ln in inv.lines}
    lines = []
    for gnum in sorted(returned):
        orig = by_gnum.get(gnum)
        if orig is None:
            raise ValueError(f"line {gnum} is not in inventory {h.cop_no}")
        lines.append(InvtRefundLine(gnum=gnum, gcode=orig.gcode, gname=orig.gname,
                                    qty=returned[gnum], unit=orig.unit))
    head = InvtRefundHead(
        customs_code=h.customs_code, order_no=h.order_no, ebp_code=h.ebp_code,
        ebp_name=h.ebp_name, ebc_code=h.ebc_code, ebc_name=h.ebc_name,
        logistics_no=h.logistics_no, logistics_code=h.logistics_code,
        logistics_name=h.logistics_name, cop_no=h.cop_no, pre_no=pre_no or h.pre_no,
        invt_no=invt_no, buyer_id_type=h.buyer_id_type, buyer_id_number=h.buyer_id_number,
        buyer_name=h.buyer_name, buyer_telephone=h.buyer_telephone,
        agent_code=h.agent_code, agent_name=h.agent_name, reason=reason, note=note)
    return InvtRefund(head=head, lines=tuple(lines))
