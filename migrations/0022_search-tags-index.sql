-- The articles' tags once more, in a search index of their own (rowid = articles.seq, written
-- with each article's row in articles_fts). Search scores an article by the fields that hold
-- every word, each field read newest first as `{tags} : (...)` in articles_fts; FTS5 answers
-- a column filter by walking the whole doclist of the words, and a word that is in most
-- articles but in no tags ("about") cost 20 ms, three such words 70 ms, at a million articles.
-- Here a word's doclist lists only the articles whose tags hold it. Contentless: nothing but
-- the index is stored, and contentless_delete lets a row be deleted by rowid.
CREATE VIRTUAL TABLE `articles_fts_tags` USING fts5(
  `tags`,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2'
);
--> statement-breakpoint
-- The text articles_fts indexed, so both hold the same words (about 10 s at a million articles).
INSERT INTO `articles_fts_tags` (`rowid`, `tags`) SELECT `rowid`, `tags` FROM `articles_fts`;
