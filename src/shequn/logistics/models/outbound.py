"""Outbound: pick lists, packing, zone exit, carrier waybills, tracking."""
