"""Logistics models: inbound (ASNs, receiving, transfers, adjustments, return
inspection) and outbound (pick lists, parcels, zone exits, carrier waybills and
tracking). Each part lives in its own module; Django finds them here."""

from shequn.logistics.models.inbound import *  # noqa: F403
from shequn.logistics.models.outbound import *  # noqa: F403
