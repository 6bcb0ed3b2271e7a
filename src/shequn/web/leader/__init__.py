"""Leader console (/leader/): the leader's shop, product picking, share links
with QR codes and attributed orders. A leader promotes; the seller of record
sets prices, so nothing here edits a price."""
