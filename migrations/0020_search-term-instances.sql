-- The search index's terms, one row per occurrence, read by the search only to list the terms
-- that start with what a reader typed last: a seek to the first term at or after a string,
-- which costs microseconds, where articles_fts_vocab counts each term's articles first (15 ms
-- for a word in most of a million articles). Nothing is stored: it reads articles_fts.
CREATE VIRTUAL TABLE `articles_fts_instances` USING fts5vocab('articles_fts', 'instance');
