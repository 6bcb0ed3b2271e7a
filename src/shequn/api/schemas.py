"""Schemas shared by several routers."""

from __future__ import annotations

from ninja import Schema


class Error(Schema):
    code: str
    message: str
    message_en: str


class Ok(Schema):
    ok: bool = True
