"""Catalog schema and its step-by-step migrations.

Each entry of ``MIGRATIONS`` moves the schema from version ``i`` to ``i + 1`` inside one
transaction. A catalog written by a newer Sagasu is refused rather than damaged.
"""

from __future__ import annotations

import sqlite3

from engine.errors import SagasuError

V1 = """
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    path BLOB NOT NULL UNIQUE,          -- os.fsencode(path): exact even for non-UTF-8 names
    display_path TEXT NOT NULL,         -- for people and JSON; lossy only for undecodable names
    root TEXT NOT NULL,                 -- the indexed folder it was found under
    file_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    content_hash TEXT,
    page_count INTEGER NOT NULL DEFAULT 0,
    warnings TEXT NOT NULL DEFAULT '',
    indexed_at REAL NOT NULL
);
CREATE INDEX files_hash ON files(content_hash, size);

CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,                 -- page | image | photo | chunk
    page INTEGER,                       -- 1-based, NULL for photos
    ordinal INTEGER NOT NULL,           -- position within the page (reading order)
    text TEXT NOT NULL DEFAULT '',
    bbox TEXT,                          -- JSON [x0, y0, x1, y1] in PDF points
    thumbnail BLOB,                     -- JPEG; also what deferred CLIP encoding reads
    digest TEXT
);
CREATE INDEX items_file ON items(file_id);

-- Raw vectors: the source of truth. The usearch files are rebuilt from here when needed.
CREATE TABLE embeddings (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    space TEXT NOT NULL,
    vector BLOB NOT NULL,               -- float32, L2-normalised
    PRIMARY KEY (space, item_id)
);
CREATE INDEX embeddings_item ON embeddings(item_id);

-- One row per embedding space; seq grows with every committed change to that space so a
-- persisted usearch file can tell whether it is still in step with the catalog.
CREATE TABLE spaces (
    space TEXT PRIMARY KEY,
    dim INTEGER NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE skipped (
    path BLOB PRIMARY KEY,
    display_path TEXT NOT NULL,
    reason TEXT NOT NULL,
    at REAL NOT NULL
);

CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL,               -- running | completed | cancelled | failed
    summary TEXT NOT NULL DEFAULT '{}'
);
"""

# v2: the engineering-document signals (OCR text, lexical index, local visual features).
V2 = """
ALTER TABLE items ADD COLUMN ocr_text TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN ocr_confidence REAL;
ALTER TABLE items ADD COLUMN ocr_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN features_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN part_numbers TEXT NOT NULL DEFAULT '';

CREATE TABLE features (
    item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    data BLOB NOT NULL
);

-- Lexical index. Text is pre-tokenised in Python (Japanese split into words) so the plain
-- unicode61 tokenizer sees space-separated tokens; rowid = items.id.
CREATE VIRTUAL TABLE lexical USING fts5(body, filename, tokenize = 'unicode61');
"""

# v3: which extractor version read each file, so files read by an older one are read again
# (existing rows were all read by version 1).
V3 = """
ALTER TABLE files ADD COLUMN extractor INTEGER NOT NULL DEFAULT 1;
"""

# v4: how far each file got through the index tiers (engine.messages.Tier: 1 lexical, 2 text
# vectors, 3 visual; OCR stays tracked per item). Files indexed before tiers were indexed whole.
V4 = """
ALTER TABLE files ADD COLUMN tier INTEGER NOT NULL DEFAULT 3;
"""

# v5 (issue #17): confirmations as labelled examples, and the figures of each evaluation
# against them. A target is kept by path and page (file ids change on re-index); a photo query
# by its features (engine.query_features), its photo only when the user allows a copy.
V5_EXAMPLES = """
CREATE TABLE examples (
    id INTEGER PRIMARY KEY,
    query_text TEXT NOT NULL DEFAULT '',
    query_key TEXT NOT NULL,            -- one query's examples share it (text or features hash)
    features BLOB,                      -- QueryFeatures of a photo query
    image_path TEXT,                    -- where the photo was, when known (never a copy)
    image BLOB,                         -- a small JPEG copy, only with keep_query_images
    target_path BLOB NOT NULL,          -- os.fsencode(path), as files.path
    target_display TEXT NOT NULL,
    page INTEGER,
    verdict TEXT NOT NULL,              -- engine.feedback.examples.Verdict
    source TEXT NOT NULL,               -- engine.feedback.examples.ExampleSource
    created REAL NOT NULL
);
CREATE INDEX examples_query ON examples(query_key);

CREATE TABLE eval_history (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    examples INTEGER NOT NULL,
    figures TEXT NOT NULL               -- JSON: recall_at_1, recall_at_5, mrr, version
);
"""

# v6 (team library, engine/team/catalog_directory.py): users with the SHA-256 of their
# token, their groups, and the groups that may read each indexed root.
V6_TEAM = """
CREATE TABLE team_users (
    name TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL
);
CREATE TABLE team_user_groups (
    user_name TEXT NOT NULL REFERENCES team_users(name) ON DELETE CASCADE,
    group_name TEXT NOT NULL,
    PRIMARY KEY (user_name, group_name)
);
CREATE TABLE team_root_groups (
    root TEXT NOT NULL,
    group_name TEXT NOT NULL,
    PRIMARY KEY (root, group_name)
);
"""

MIGRATIONS: list[str] = [V1, V2, V3, V4, V5_EXAMPLES, V6_TEAM]
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(SagasuError):
    """The catalog was written by a newer Sagasu; opening it could damage it."""


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the catalog to ``SCHEMA_VERSION``; returns the version found before migrating.

    Several processes may open a new data folder at once (four ``sagasu status``, a window
    and its indexing child): the version is read again inside a ``BEGIN IMMEDIATE``
    transaction, which one connection at a time holds (the others wait on the busy timeout),
    so exactly one of them creates or upgrades the schema and the rest find it done. The
    steps run statement by statement because ``executescript`` would commit on its own."""
    found = _user_version(conn)
    if found >= SCHEMA_VERSION:
        _refuse_newer(found)
        return found
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = _user_version(conn)  # another process may have migrated while we waited
        _refuse_newer(found)
        for version in range(found, SCHEMA_VERSION):
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return found


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _refuse_newer(found: int) -> None:
    if found > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"This index was written by a newer Sagasu (schema {found}, this version reads "
            f"up to {SCHEMA_VERSION}). Update Sagasu, or choose another index folder."
        )


def _statements(script: str) -> list[str]:
    """The SQL statements of a migration script, one by one."""
    out: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            out.append(pending.strip())
            pending = ""
    return out
