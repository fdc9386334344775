"""The tables of what is kept to be served as it stands (`kept.areas`, `kept.flagged`); created,
fingerprinted, dropped and emptied with the other view tables (`store.schema`)."""

from __future__ import annotations

KEPT_TABLES = [
    # priority-areas: per grouping, area and variant ("all", "published"), the ranking's columns and
    # the item encoded as the answer holds it, without its rank
    "CREATE TABLE IF NOT EXISTS view_areas ("
    " dim TEXT NOT NULL, key TEXT NOT NULL, variant TEXT NOT NULL, states INTEGER NOT NULL,"
    " unmet INTEGER NOT NULL, needs INTEGER NOT NULL, gap TEXT NOT NULL, item TEXT NOT NULL,"
    " PRIMARY KEY (dim, key, variant))",
    # the dashboard's flagged programmes: per programme, the spans of days on which it raises n flags
    "CREATE TABLE IF NOT EXISTS view_flagged ("
    ' programme_id TEXT NOT NULL, n INTEGER NOT NULL, after_day TEXT COLLATE "C" NOT NULL, until_day TEXT COLLATE "C",'
    ' sort_key TEXT COLLATE "C" NOT NULL, PRIMARY KEY (programme_id, n))',
    "CREATE INDEX IF NOT EXISTS view_flagged_sorted ON view_flagged (n, sort_key)",
]
KEPT_VIEW_TABLES = ("view_areas", "view_flagged")
