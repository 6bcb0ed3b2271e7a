"""WeChat Pay customs declaration (支付单报关, API v2; specs/wechat-channel.md §4).

For a cross-border order paid with WeChat Pay, WeChat Pay (财付通, the payment
enterprise) pushes the CEB411 payment record to customs itself; the merchant
asks for it here and polls the outcome. Pure wire format (``signing``,
``codec``), the HTTP ``client`` and a ``sim`` with the same wire format. The
flow that uses them is ``customs.paydecl``.
"""
