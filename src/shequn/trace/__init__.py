"""Traceability: one code per unit (SGTIN) and per carton (SSCC), the units'
journey as GS1 EPCIS 2.0 events, the public verify page behind the QR code,
and the signals (diversion, counterfeits, resale) that brands and operators
review."""
