"""Inbound: advance shipping notices, receiving, transfers, adjustments."""
