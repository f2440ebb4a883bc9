-- Questions people ask, with answers and sources: seeded from bot/data/faq.csv, replaced by
-- admins' imports.
CREATE TABLE faq (
    position    INTEGER NOT NULL,
    id          TEXT PRIMARY KEY,
    question_ru TEXT NOT NULL,
    question_en TEXT NOT NULL,
    answer_ru   TEXT NOT NULL,
    answer_en   TEXT NOT NULL,
    patterns_ru TEXT NOT NULL DEFAULT '',              -- '|'-separated phrasings
    patterns_en TEXT NOT NULL DEFAULT '',
    next        TEXT NOT NULL DEFAULT 'none',
    source_url  TEXT NOT NULL
) STRICT;

-- What the FAQ and the search index were built from.
CREATE TABLE free_text_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Free-text search. FTS5 has no Russian stemmer: `body` holds terms already stemmed in Python
-- (bot/domain/text_search.py), separated by spaces. One row per phrasing of an occupation or
-- an FAQ entry (kind 'occ' or 'faq', ref its id) …
CREATE VIRTUAL TABLE search_phrases USING fts5(
    kind UNINDEXED, ref UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 0'
);
-- … and one per programme (title and description).
CREATE VIRTUAL TABLE search_programs USING fts5(
    ref UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 0'
);
