"""Generic dataclass ↔ XML element mapping for CEB record nodes.

Each record class in ``model`` declares its fields in XSD order with snake_case
names; the element name is the camelCase form. Writing skips ``None``; reading
turns empty optional elements into ``None`` and refuses a missing required one.
"""

from __future__ import annotations

import re
from dataclasses import fields
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, TypeVar, get_type_hints

from lxml import etree

from .schema import CEB_NS

T = TypeVar("T")
_NS = "{" + CEB_NS + "}"
_STR, _INT, _DEC = 0, 1, 2


class CebFormatError(ValueError):
    """A record cannot be read: a required element is missing or a number is bad."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


def camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def layout(cls: type) -> tuple[tuple[str, str, int, bool], ...]:
    """(attribute, element tag, kind, required) per field, in XSD order."""
    return _layout(cls)


@cache
def _layout(cls: Any) -> tuple[tuple[str, str, int, bool], ...]:
    hints = get_type_hints(cls)
    out = []
    for f in fields(cls):
        hint = str(hints[f.name])
        kind = _DEC if "Decimal" in hint else _INT if "int" in hint else _STR
        required = "None" not in hint
        out.append((f.name, _NS + camel(f.name), kind, required))
    return tuple(out)


def fmt_decimal(value: Decimal) -> str:
    # Fixed-point, never exponent notation (the XSD decimal type has no exponent).
    return format(value, "f")


def write(parent: etree._Element, obj: Any) -> etree._Element:
    """Append ``obj`` as its record node (``obj.TAG``) under ``parent``."""
    node = etree.SubElement(parent, _NS + obj.TAG)
    sub = etree.SubElement
    for attr, tag, kind, _required in layout(type(obj)):
        value = getattr(obj, attr)
        if value is None:
            continue
        sub(node, tag).text = fmt_decimal(value) if kind == _DEC else str(value)
    return node


def read(node: etree._Element, cls: type[T], path: str) -> T:
    """Read a record node into ``cls``; ``path`` is used in error messages."""
    texts: dict[str, str] = {}
    for child in node:
        if isinstance(child.tag, str):
            texts[child.tag] = (child.text or "").strip()
    kwargs: dict[str, Any] = {}
    for attr, tag, kind, required in layout(cls):
        text = texts.get(tag)
        name = tag[len(_NS):]
        if not text:
            if required and kind != _STR:
                raise CebFormatError(f"{path}/{name}", "required value missing")
            if required and text is None:
                raise CebFormatError(f"{path}/{name}", "required element missing")
            kwargs[attr] = "" if required else None
            continue
        if kind == _DEC:
            try:
                kwargs[attr] = Decimal(text)
            except InvalidOperation:
                raise CebFormatError(f"{path}/{name}", f"not a decimal: {text!r}") from None
            if not kwargs[attr].is_finite():
                raise CebFormatError(f"{path}/{name}", f"not a decimal: {text!r}")
        elif kind == _INT:
            try:
                kwargs[attr] = int(text)
            except ValueError:
                raise CebFormatError(f"{path}/{name}", f"not an integer: {text!r}") from None
        else:
            kwargs[attr] = text
    return cls(**kwargs)


