"""GS1 identifiers of the units and cartons Shequn codes: GTIN-14, SGTIN,
SSCC, their EPC URNs and GS1 Digital Link URIs.

Pure functions over strings; scans are parsed with ``biip`` (element strings,
Digital Link URIs, check digits). Serials are drawn from ``secrets``: 13
characters of a 32-letter alphabet are 65 random bits, so a guessed serial of
a real GTIN and lot is genuine with probability below 1e-12 per guess even
with a million units coded (the EU bar for medicines is 1e-4)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date
from urllib.parse import SplitResult, quote, unquote, urlsplit

from biip import ParseError, parse
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message
from stdnum import ean

# No I, L, O, U: nothing a person misreads from a printed label, and no
# character that needs percent-encoding in a Digital Link path.
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_LENGTH = 13  # 13 × 5 bits = 65 random bits
# AI 21 and AI 10 are X..20 over GS1's character set 82; we accept its URI-safe part.
# Matched whole (fullmatch): "$" alone also matches before a final line break.
_X20 = re.compile(r"[0-9A-Za-z!\"%&'()*+,\-./:;<=>?_]{1,20}")
_SAFE_TEXT = re.compile(r"[0-9A-Za-z\-._]{1,20}")
DEFAULT_PREFIX_LENGTH = 7


class CodeError(ValueError):
    """A malformed GTIN, serial, SSCC, EPC URN or Digital Link URI."""


def digits(value: str) -> bool:
    """ASCII digits only: str.isdigit() also holds for full-width and other
    scripts' digits, which the check digit reads as the same number (a GTIN
    typed in full-width mode named no unit, and so was called counterfeit)."""
    return value.isascii() and value.isdigit()


def check_digit(body: str) -> str:
    return str(ean.calc_check_digit(body))


def gtin14(gtin: str) -> str:
    """Any valid GTIN-8/12/13/14 as the 14 digits Digital Link and EPCIS use."""
    value = (gtin or "").strip()
    if not digits(value) or len(value) not in (8, 12, 13, 14):
        raise CodeError(f"not a GTIN: {gtin!r}")
    if not ean.is_valid(value):
        raise CodeError(f"wrong GTIN check digit: {gtin!r}")
    return value.zfill(14)


def company_prefix_length(gtin_14: str) -> int:
    """Length of the GS1 company prefix (biip's GCP table), 7 when unknown."""
    try:
        found = parse(gtin_14).gtin
    except ParseError:
        found = None
    if found is not None and found.company_prefix is not None:
        return len(found.company_prefix.value)
    return DEFAULT_PREFIX_LENGTH


def new_serial() -> str:
    return "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_LENGTH))


def valid_serial(serial: str) -> bool:
    return bool(_X20.fullmatch(serial or ""))


def sgtin_urn(gtin: str, serial: str) -> str:
    """``urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial`` (TDS 2.0)."""
    g = gtin14(gtin)
    if not valid_serial(serial):
        raise CodeError(f"not a serial: {serial!r}")
    n = company_prefix_length(g)
    prefix, item = g[1:1 + n], g[0] + g[1 + n:13]
    return f"urn:epc:id:sgtin:{prefix}.{item}.{quote(serial, safe='')}"


def lgtin_urn(gtin: str, lot: str) -> str:
    """The class of a lot: ``urn:epc:class:lgtin:CompanyPrefix.IndicatorItemRef.Lot``."""
    g = gtin14(gtin)
    n = company_prefix_length(g)
    return f"urn:epc:class:lgtin:{g[1:1 + n]}.{g[0]}{g[1 + n:13]}.{quote(lot, safe='')}"


def new_sscc(company_prefix: str, extension: int = 0) -> str:
    """An SSCC-18: extension digit, company prefix, a random serial reference, check
    digit. Random rather than sequential so that one carton's code does not reveal
    the next one's."""
    if not digits(company_prefix) or not 6 <= len(company_prefix) <= 12:
        raise CodeError(f"not a company prefix: {company_prefix!r}")
    width = 16 - len(company_prefix)
    ref = "".join(secrets.choice("0123456789") for _ in range(width))
    body = f"{extension % 10}{company_prefix}{ref}"
    return body + check_digit(body)


def valid_sscc(sscc: str) -> bool:
    return len(sscc) == 18 and digits(sscc) and check_digit(sscc[:17]) == sscc[17]


def sscc_urn(sscc: str, prefix_length: int = DEFAULT_PREFIX_LENGTH) -> str:
    if not valid_sscc(sscc):
        raise CodeError(f"not an SSCC: {sscc!r}")
    return f"urn:epc:id:sscc:{sscc[1:1 + prefix_length]}.{sscc[0]}{sscc[1 + prefix_length:17]}"


def digital_link(base_url: str, gtin: str, lot: str, serial: str,
                 expiry: date | None = None) -> str:
    """``{base}/01/{gtin14}/10/{lot}/21/{serial}[?17=YYMMDD]`` (qualifiers in the
    order 10, 21; expiry is an attribute in the query string)."""
    path = f"/01/{gtin14(gtin)}"
    if lot:
        path += f"/10/{quote(lot, safe='')}"
    path += f"/21/{quote(serial, safe='')}"
    query = f"?17={expiry:%y%m%d}" if expiry else ""
    return base_url.rstrip("/") + path + query


def sscc_link(base_url: str, sscc: str) -> str:
    if not valid_sscc(sscc):
        raise CodeError(f"not an SSCC: {sscc!r}")
    return f"{base_url.rstrip('/')}/00/{sscc}"


@dataclass(frozen=True)
class Scan:
    """What a scanned code names: a unit (gtin + serial [+ lot]) or a carton (sscc)."""

    gtin: str = ""
    serial: str = ""
    lot: str = ""
    expiry: date | None = None
    sscc: str = ""

    @property
    def is_unit(self) -> bool:
        return bool(self.gtin and self.serial)


def read(text: str) -> Scan:
    """Parse what a scanner or a phone read: a Digital Link URI, a GS1 element
    string (with or without parentheses or FNC1 group separators), a bare SSCC or
    an SGTIN URN. Raises :class:`CodeError` for anything else."""
    raw = (text or "").strip()
    if not raw or len(raw) > 512:
        raise CodeError("empty or too long")
    # Scanners in upper-case mode and QR codes made compact send URN:EPC:… and
    # HTTPS://HOST/…: a scheme and a host are case-insensitive (RFC 8141, 3986),
    # the path and the serial are not.
    raw = _scheme_lowered(raw)
    if raw[:8].lower().startswith(("http://", "https://")):
        parts = _split(raw)
        raw = parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()
    if raw.startswith("urn:epc:id:sgtin:"):
        return _from_sgtin_urn(raw)
    if raw.startswith("urn:epc:id:sscc:"):
        return _from_sscc_urn(raw)
    if digits(raw) and len(raw) == 18:
        if not valid_sscc(raw):
            raise CodeError("wrong SSCC check digit")
        return Scan(sscc=raw)
    if raw.startswith(("http://", "https://")):
        parts = _split(raw)
        raw = parts._replace(path=_decoded_path(parts.path)).geturl()
    try:
        if raw.startswith("("):  # human-readable form, "(01)…(21)…"
            return _from_strings(GS1Message.parse_hri(raw).element_strings)
        result = parse(raw)
    except ParseError as exc:
        raise CodeError(str(exc)) from exc
    strings: list[GS1ElementString] = []
    if result.gs1_digital_link_uri is not None:
        strings = result.gs1_digital_link_uri.element_strings
    elif result.gs1_message is not None:
        strings = result.gs1_message.element_strings
    elif result.sscc is not None:
        return Scan(sscc=result.sscc.value)
    return _from_strings(strings)


def _from_strings(strings: list[GS1ElementString]) -> Scan:
    values = {es.ai.ai: es for es in strings}
    if "00" in values:
        return Scan(sscc=values["00"].value)
    if "01" not in values or "21" not in values:
        raise CodeError("not a serialized GS1 code (needs GTIN and serial, or an SSCC)")
    expiry = values["17"].date if "17" in values else None
    serial = values["21"].value
    if not valid_serial(serial):
        raise CodeError("malformed serial")
    return Scan(gtin=gtin14(values["01"].value), serial=serial,
                lot=values["10"].value if "10" in values else "", expiry=expiry)


def _split(url: str) -> SplitResult:
    # urlsplit raises a bare ValueError on a malformed host ("https://[::1/…"):
    # a scan like any other unreadable one, not a server error.
    try:
        return urlsplit(url)
    except ValueError as exc:
        raise CodeError(f"malformed URI: {exc}") from None


def _decoded_path(path: str) -> str:
    # biip reads the path literally; percent-encoded values (a lot with "/")
    # are decoded segment by segment so they read as what was encoded.
    return "/".join(quote(unquote(seg), safe="") for seg in path.split("/"))


def _from_sgtin_urn(urn: str) -> Scan:
    try:
        prefix, item, serial = urn.removeprefix("urn:epc:id:sgtin:").split(".", 2)
    except ValueError as exc:
        raise CodeError("malformed SGTIN URN") from exc
    if not (digits(prefix) and digits(item) and len(prefix) + len(item) == 13):
        raise CodeError("malformed SGTIN URN")
    body = item[0] + prefix + item[1:]
    serial = unquote(serial)
    if not valid_serial(serial):
        raise CodeError("malformed serial")
    return Scan(gtin=body + check_digit(body), serial=serial)


def _from_sscc_urn(urn: str) -> Scan:
    try:
        prefix, ref = urn.removeprefix("urn:epc:id:sscc:").split(".")
    except ValueError as exc:
        raise CodeError("malformed SSCC URN") from exc
    if not (digits(prefix) and digits(ref) and len(prefix) + len(ref) == 17):
        raise CodeError("malformed SSCC URN")
    body = ref[0] + prefix + ref[1:]
    return Scan(sscc=body + check_digit(body))


def lot_is_plain(lot: str) -> bool:
    """Lots we print need no escaping (AI 10, URI-safe subset)."""
    return bool(_SAFE_TEXT.fullmatch(lot or ""))


CANONICAL_STEM = "https://id.gs1.org"


def canonical_unit(gtin14_: str, serial: str) -> str:
    """``canonical_epc`` of a stored unit (its GTIN already the 14 digits)."""
    return f"{CANONICAL_STEM}/01/{gtin14_}/21/{quote(serial, safe='')}"


def canonical_carton(sscc: str) -> str:
    return f"{CANONICAL_STEM}/00/{sscc}"


# The EPC URN schemes canonical_epc reads. A URN's "urn" and namespace are
# case-insensitive (RFC 8141) and so is a URI's scheme (RFC 3986 §3.1): a
# document may write URN:EPC:ID:SGTIN:… or HTTPS://…, and such a spelling must
# still name the GTIN (the capture check refuses another brand's GTINs by it).
_EPC_SCHEMES = ("urn:epc:id:sgtin:", "urn:epc:id:sscc:", "urn:epc:class:lgtin:",
                "urn:epc:idpat:sgtin:")


def _scheme_lowered(value: str) -> str:
    head = value[:21].lower()
    for scheme in _EPC_SCHEMES:
        if head.startswith(scheme):
            return scheme + value[len(scheme):]
    return value


def _key_at(segments: list[str], ai: str) -> int:
    """The index of the first path segment that is the primary key ``ai``
    followed by a value of digits (the GTIN or SSCC); -1 when none is."""
    for i, seg in enumerate(segments[:-1]):
        if seg == ai and digits(segments[i + 1]):
            return i
    return -1


def canonical_epc(epc: str) -> tuple[str, str]:
    """``(canonical form, gtin14 or "")`` of an EPC as EPCIS documents write it.
    SGTINs and SSCCs, as URNs or Digital Link URIs on any host, become the
    canonical Digital Link (``https://id.gs1.org/01/…/21/…``, ``/00/…``), so the
    same unit matches whichever form a query or a document uses; LGTIN classes
    become ``…/01/…/10/…``. Schemes are read in any letter case and a Digital
    Link's path segments percent-decoded. Anything else (other EPC schemes, URIs
    we do not know) is kept as written."""
    value = _scheme_lowered((epc or "").strip())
    try:
        if value.startswith("urn:epc:id:sgtin:"):
            s = _from_sgtin_urn(value)
            return f"{CANONICAL_STEM}/01/{s.gtin}/21/{quote(s.serial, safe='')}", s.gtin
        if value.startswith("urn:epc:id:sscc:"):
            return f"{CANONICAL_STEM}/00/{_from_sscc_urn(value).sscc}", ""
        if value.startswith("urn:epc:class:lgtin:"):
            prefix, item, lot = value.removeprefix("urn:epc:class:lgtin:").split(".", 2)
            body = item[0] + prefix + item[1:]
            g = body + check_digit(body)
            return f"{CANONICAL_STEM}/01/{g}/10/{quote(unquote(lot), safe='')}", g
        if value.startswith("urn:epc:idpat:sgtin:"):
            prefix, item, _rest = value.removeprefix("urn:epc:idpat:sgtin:").split(".", 2)
            body = item[0] + prefix + item[1:]
            g = body + check_digit(body)
            return f"{CANONICAL_STEM}/01/{g}", g
        if value[:8].lower().startswith(("http://", "https://")):
            segments = [unquote(seg) for seg in urlsplit(value).path.split("/")]
            at = _key_at(segments, "01")
            if at >= 0:
                tail = segments[at + 1:]
                g = gtin14(tail[0])
                keys = dict(zip(tail[1::2], tail[2::2], strict=False))
                out = f"{CANONICAL_STEM}/01/{g}"
                for ai in ("22", "10", "21"):
                    if ai in keys:
                        out += f"/{ai}/{quote(keys[ai], safe='')}"
                return out, g
            at = _key_at(segments, "00")
            if at >= 0 and valid_sscc(segments[at + 1]):
                return f"{CANONICAL_STEM}/00/{segments[at + 1]}", ""
    except (CodeError, ValueError, IndexError):
        pass
    return value, ""
