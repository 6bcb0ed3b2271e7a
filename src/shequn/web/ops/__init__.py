"""Operator console (/ops/): dashboard, orders and their actions, audit log, outbox.
Operators only (group ``operator`` or superusers); every action goes through a
domain service, which writes the audit log."""
