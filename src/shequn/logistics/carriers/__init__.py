"""Carrier ports: ``port.Carrier`` and its adapters (``sf``: SF Express open platform)."""
