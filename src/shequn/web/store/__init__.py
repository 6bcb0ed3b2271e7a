"""The buyer's phone-sized H5 store: shop, product, share link, cart,
checkout and orders pages (Django templates + htmx)."""
