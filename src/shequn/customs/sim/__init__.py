"""The customs single-window simulator: plays customs (E-port + the unified CBEC
system) for Shequn's clearance flow. See ``window`` for the receipts it sends.

Embedded::

    sw = SingleWindow(SimConfig(accept_unsigned=True), deliver=handle_receipt)
    sw.submit(ceb_xml_or_dxpmsg)      # -> SubmitResult (CEB900 in .receipt if refused)
    sw.tick(now)                      # runs due steps, calls handle_receipt(Receipt)
    Ticker(sw).start()                # or tick in the background

Process: ``shequn customs-sim --port 8790 --callback URL`` (see ``cli``/``server``).
"""

from shequn.customs.sim.config import SimConfig
from shequn.customs.sim.server import SimServer, Ticker
from shequn.customs.sim.window import Receipt, SingleWindow, SubmitResult

__all__ = ["Receipt", "SimConfig", "SimServer", "SingleWindow", "SubmitResult", "Ticker"]
