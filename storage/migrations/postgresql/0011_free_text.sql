-- Questions people ask, with answers and sources: seeded from bot/data/faq.csv, replaced by
-- admins' imports.
CREATE TABLE faq (
    position    BIGINT NOT NULL,
    id          TEXT PRIMARY KEY,
    question_ru TEXT NOT NULL,
    question_en TEXT NOT NULL,
    answer_ru   TEXT NOT NULL,
    answer_en   TEXT NOT NULL,
    patterns_ru TEXT NOT NULL DEFAULT '',              -- '|'-separated phrasings
    patterns_en TEXT NOT NULL DEFAULT '',
    next        TEXT NOT NULL DEFAULT 'none',
    source_url  TEXT NOT NULL
);

-- What the FAQ and the search index were built from.
CREATE TABLE free_text_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Free-text search. `body` holds terms already stemmed in Python (bot/domain/text_search.py),
-- separated by spaces; `tsv` is those words as they are (the 'simple' configuration only
-- lowercases), so a search is `tsv @@ to_tsquery('simple', …)`, ranked by `ts_rank`. (SQLite
-- keeps the same columns in FTS5 tables.) One row per phrasing of an occupation or an FAQ
-- entry (kind 'occ' or 'faq', ref its id) …
CREATE TABLE search_phrases (
    kind TEXT,
    ref  TEXT,
    body TEXT,
    tsv  tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED
);
CREATE INDEX search_phrases_tsv ON search_phrases USING GIN (tsv);

-- … and one per programme (title and description).
CREATE TABLE search_programs (
    ref  TEXT,
    body TEXT,
    tsv  tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED
);
CREATE INDEX search_programs_tsv ON search_programs USING GIN (tsv);
