-- Full-text search over articles (FTS5). Rows are keyed by articles.seq and written by the
-- articles repository in the same transaction as each article write. Diacritics are folded,
-- so "medellin" finds "Medellín".
CREATE VIRTUAL TABLE `articles_fts` USING fts5(
  `title`, `subtitle`, `summary`, `body`, `tags`,
  tokenize = 'unicode61 remove_diacritics 2'
);
