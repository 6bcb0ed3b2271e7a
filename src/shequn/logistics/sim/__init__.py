"""The SF Express simulator: speaks the open platform's wire format at
``POST /std/service`` (logistics.md §2, §5), allocates ``SF`` + 13-digit
waybills, and pushes route events back (RoutePushService JSON) on its clock,
with duplicates, reordering, exceptions and lost parcels on demand.

Embedded (demo, tests): ``logistics.carrier`` runs it in process with
its state in the database. Process: ``shequn carrier-sim --port 8791 --push URL``.
"""

from shequn.logistics.sim.core import SfSim, SimConfig

__all__ = ["SfSim", "SimConfig"]
