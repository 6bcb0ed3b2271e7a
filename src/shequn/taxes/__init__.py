"""CBEC retail-import tax engine: pure functions over dataclasses, no Django.

Public API lives in :mod:`shequn.taxes.engine`; JSON in/out in :mod:`shequn.taxes.io`.
"""
