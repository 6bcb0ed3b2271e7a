"""Receipt delivery in process mode: HTTP POST of the receipt XML (optionally
wrapped in a ``DxpMsg``) to Shequn's callback URL, with ``Authorization: Bearer
<callback_token>`` when a token is configured. A non-2xx answer or a network
error raises, and ``SingleWindow.tick`` retries it with backoff."""

from __future__ import annotations

import urllib.request
from urllib.parse import urlparse

from shequn.customs.sim.window import Receipt
from shequn.customs.sim.xmlio import wrap_dxp


class HttpDelivery:
    def __init__(self, url: str, *, wrap: bool = False, sender_id: str = "DXPEDCCEB0000002",
                 timeout: float = 5.0, token: str = "") -> None:
        if urlparse(url).scheme not in ("http", "https"):
            raise ValueError(f"callback must be an http(s) URL, not {url!r}")
        self.url, self.wrap, self.sender_id, self.timeout = url, wrap, sender_id, timeout
        self.token = token

    def headers(self, receipt: Receipt) -> dict[str, str]:
        headers = {"Content-Type": "application/xml; charset=utf-8",
                   "X-CEB-Message-Type": receipt.message_type,
                   "X-CEB-Duplicate": "1" if receipt.duplicate else "0"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def body(self, receipt: Receipt) -> bytes:
        if not self.wrap:
            return receipt.body()
        return wrap_dxp(receipt.body(), receipt.message_type, self.sender_id,
                        receipt.receiver or "SHEQUN", cop_msg_id=f"SIM{receipt.seq:012d}")

    def __call__(self, receipt: Receipt) -> None:
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.url, data=self.body(receipt), method="POST", headers=self.headers(receipt))
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise ConnectionError(f"callback answered {response.status}")
