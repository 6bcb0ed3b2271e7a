"""The client's address, for rate limits and the audit log.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed
only when the request arrives from a configured trusted proxy
(``SHEQUN_TRUSTED_PROXIES``: addresses or networks). Then the client is the
right-most address in the header that is not itself a trusted proxy: every
proxy appends the address it received from, so what stands left of our own
proxies may be forged, what they appended may not."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_ip(value: str | None) -> str | None:
    """The canonical form of an IP address, or None when it is not one."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(s.strip(), strict=False) for s in spec if s.strip())


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "SHEQUN_TRUSTED_PROXIES", ()) or ()))


def in_networks(ip: str | None, networks: Iterable[Network]) -> bool:
    if ip is None:
        return False
    addr = ipaddress.ip_address(ip)
    return any(addr in net for net in networks)


def from_trusted_proxy(request: HttpRequest) -> bool:
    return in_networks(parse_ip(request.META.get("REMOTE_ADDR")), trusted_networks())


def sender(ip: str | None) -> str | None:
    """Whom a rate limit counts: an IPv4 address, or an IPv6 address's /64 (one
    phone or home holds the whole network and may use any address in it)."""
    ip = parse_ip(ip)
    if ip is not None and ":" in ip:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return ip


def client_ip(request: HttpRequest) -> str | None:
    peer = parse_ip(request.META.get("REMOTE_ADDR"))
    nets = trusted_networks()
    if peer is None or not in_networks(peer, nets):
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        ip = parse_ip(hop)
        if ip is None:
            return peer  # a garbled header: fall back to the proxy itself
        if not in_networks(ip, nets):
            return ip
    return peer


class ForwardedProtoMiddleware:
    """Forget the scheme header (SECURE_PROXY_SSL_HEADER) and X-Forwarded-For
    unless the request comes from a trusted proxy, so a client cannot claim
    HTTPS past the redirect or pick its own address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not from_trusted_proxy(request):
            header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
            if header:
                request.META.pop(header[0], None)
            request.META.pop("HTTP_X_FORWARDED_FOR", None)
        return self.get_response(request)
