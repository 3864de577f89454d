-- Full-text search over articles (FTS5). Rows are keyed by articles.seq and written by the
-- articles repository in the same transaction as each article write. Diacritics are folded,
-- so "medellin" finds "Medellín".
CREATE VIRTUAL TABLE `articles_fts` USING fts5(
  `title`, `subtitle`, `summary`, `body`, `tags`,
  tokenize = 'unicode61 remove_diacritics 2'
);
--> statement-breakpoint
-- The search index's vocabulary, one row per term with the number of articles that hold it:
-- related-link suggestions query with an article's rarest terms, looked up here by term.
CREATE VIRTUAL TABLE `articles_fts_vocab` USING fts5vocab('articles_fts', 'row');
