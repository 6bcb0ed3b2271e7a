"""Read-only analytics over the other domains' tables: funnels, leader statistics,
fission (recruitment) metrics and CSV exports. No models, no migrations; every
function is a handful of set-based queries (GROUP BY in the database), never a
query per row."""
