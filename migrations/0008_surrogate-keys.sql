-- Exact invalidation. Each change appends to `invalidations` the surrogate keys of what it
-- touched, in its own transaction, whoever makes it (this process, the scheduler, `npm run seed`,
-- another process): an answer that shows an article carries `article-{id}`, one that shows a
-- media item `media-{id}`, a list its membership keys (`articles`, or
-- `articles-{section|tag|author}-{value}` for a filtered one), and a change evicts the answers
-- whose keys it logs (src/http/surrogate-keys.ts names them; src/articles/surrogate-keys.ts says
-- which answer carries which). This replaces the single content version, which emptied the
-- whole response cache on any change.
--
-- Only published articles reach anonymous answers, so changes to drafts log nothing. A filter
-- value becomes part of a key with its ASCII letters in lower case (lists compare filters
-- ignoring case), as itself when then made of [-a-z0-9._], else as `x` and its UTF-8 bytes in
-- hex (the same as `listFilterKey` in src/http/surrogate-keys.ts).
DROP TRIGGER `articles_insert_content_version`;
--> statement-breakpoint
DROP TRIGGER `articles_update_content_version`;
--> statement-breakpoint
DROP TRIGGER `articles_delete_content_version`;
--> statement-breakpoint
DROP TRIGGER `media_insert_content_version`;
--> statement-breakpoint
DROP TRIGGER `media_update_content_version`;
--> statement-breakpoint
DROP TRIGGER `media_delete_content_version`;
--> statement-breakpoint
DROP TRIGGER `related_links_insert_content_version`;
--> statement-breakpoint
DROP TRIGGER `related_links_update_content_version`;
--> statement-breakpoint
DROP TRIGGER `related_links_delete_content_version`;
--> statement-breakpoint
DROP TRIGGER `related_link_lists_insert_content_version`;
--> statement-breakpoint
DROP TRIGGER `related_link_lists_update_content_version`;
--> statement-breakpoint
DROP TRIGGER `related_link_lists_delete_content_version`;
--> statement-breakpoint
DROP TABLE `content_version`;
--> statement-breakpoint
-- A published article: its own answers, and the lists it joins.
CREATE TRIGGER `articles_keys_insert` AFTER INSERT ON `articles` WHEN new.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('article-' || new.`id`), ('articles');
  INSERT INTO `invalidations` (`key`)
    SELECT 'articles-section-' || CASE WHEN lower(new.`section`) GLOB '*[^-a-z0-9._]*' THEN 'x' || lower(hex(lower(new.`section`))) ELSE lower(new.`section`) END
    WHERE new.`section` IS NOT NULL;
END;
--> statement-breakpoint
-- A change to an article that is or was published. Its own answers always (a comment count
-- that moves is this too); the unfiltered lists, searches and lists by filters this schema does
-- not know on any editorial change (its version moves) or a change of status or place in the
-- lists; its section's lists when it joins, leaves or moves in them. Its tags and authors log
-- their lists from their own rows (below). When it becomes visible or hidden, the published
-- articles whose related links point at it (readers see only links to published targets, so
-- those answers never showed its key).
CREATE TRIGGER `articles_keys_update` AFTER UPDATE ON `articles` WHEN old.`status` = 'published' OR new.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('article-' || new.`id`);
  INSERT INTO `invalidations` (`key`)
    SELECT 'articles'
    WHERE old.`status` IS NOT new.`status` OR old.`version` IS NOT new.`version` OR old.`sort_at` IS NOT new.`sort_at`;
  INSERT INTO `invalidations` (`key`)
    SELECT DISTINCT 'articles-section-' || CASE WHEN lower(`section`) GLOB '*[^-a-z0-9._]*' THEN 'x' || lower(hex(lower(`section`))) ELSE lower(`section`) END
    FROM (SELECT old.`section` AS `section` WHERE old.`status` = 'published' UNION ALL SELECT new.`section` WHERE new.`status` = 'published')
    WHERE `section` IS NOT NULL
      AND (old.`status` IS NOT new.`status` OR old.`sort_at` IS NOT new.`sort_at` OR old.`section` IS NOT new.`section`);
  INSERT INTO `invalidations` (`key`)
    SELECT DISTINCT 'article-' || `related_links`.`article_id`
    FROM `related_links` JOIN `articles` AS `owner` ON `owner`.`id` = `related_links`.`article_id` AND `owner`.`status` = 'published'
    WHERE `related_links`.`target_article_id` = new.`id` AND (old.`status` = 'published') <> (new.`status` = 'published');
END;
--> statement-breakpoint
-- A published article deleted. Its related links, tags and authors go by cascade and log
-- their own keys.
CREATE TRIGGER `articles_keys_delete` AFTER DELETE ON `articles` WHEN old.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('article-' || old.`id`), ('articles');
  INSERT INTO `invalidations` (`key`)
    SELECT 'articles-section-' || CASE WHEN lower(old.`section`) GLOB '*[^-a-z0-9._]*' THEN 'x' || lower(hex(lower(old.`section`))) ELSE lower(old.`section`) END
    WHERE old.`section` IS NOT NULL;
END;
--> statement-breakpoint
-- Tag and author rows copy their article's status and sort key, so their changes are exactly
-- the lists filtered by them that a published article joins, leaves or moves in. The filter
-- value (`tag`, `author`) is part of the primary key and never updated.
CREATE TRIGGER `article_tags_keys_insert` AFTER INSERT ON `article_tags` WHEN new.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`)
    VALUES ('articles-tag-' || CASE WHEN lower(new.`tag`) GLOB '*[^-a-z0-9._]*' THEN 'x' || lower(hex(lower(new.`tag`))) ELSE lower(new.`tag`) END);
END;
--> statement-breakpoint
CREATE TRIGGER `article_tags_keys_update` AFTER UPDATE ON `article_tags` WHEN old.`status` = 'published' OR new.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`)
    VALUES ('articles-tag-' || CASE WHEN lower(new.`tag`) GLOB '*[^-a-z0-9._]*' THEN 'x' || lower(hex(lower(new.`tag`))) ELSE lower(new.`tag`) END);
END;
--> statement-breakpoint
CREATE TRIGGER `article_tags_keys_delete` AFTER DELETE ON `article_tags` WHEN old.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`)
    VALUES ('articles-tag-' || CASE WHEN lower(old.`tag`) GLOB '*[^-a-z0-9._]*' THEN 'x' || lower(hex(lower(old.`tag`))) ELSE lower(old.`tag`) END);
END;
--> statement-breakpoint
CREATE TRIGGER `article_authors_keys_insert` AFTER INSERT ON `article_authors` WHEN new.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`)
    VALUES ('articles-author-' || CASE WHEN lower(new.`author`) GLOB '*[^-a-z0-9._]*' THEN 'x' || lower(hex(lower(new.`author`))) ELSE lower(new.`author`) END);
END;
--> statement-breakpoint
CREATE TRIGGER `article_authors_keys_update` AFTER UPDATE ON `article_authors` WHEN old.`status` = 'published' OR new.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`)
    VALUES ('articles-author-' || CASE WHEN lower(new.`author`) GLOB '*[^-a-z0-9._]*' THEN 'x' || lower(hex(lower(new.`author`))) ELSE lower(new.`author`) END);
END;
--> statement-breakpoint
CREATE TRIGGER `article_authors_keys_delete` AFTER DELETE ON `article_authors` WHEN old.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`)
    VALUES ('articles-author-' || CASE WHEN lower(old.`author`) GLOB '*[^-a-z0-9._]*' THEN 'x' || lower(hex(lower(old.`author`))) ELSE lower(old.`author`) END);
END;
--> statement-breakpoint
-- A media item: every answer that shows it (its file, the articles and lists that embed it)
-- carries its key. A new one is in no answer yet.
CREATE TRIGGER `media_keys_update` AFTER UPDATE ON `media`
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('media-' || new.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `media_keys_delete` AFTER DELETE ON `media`
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('media-' || old.`id`);
END;
--> statement-breakpoint
-- Related links are shown with their article (embedded, and as its own list): they log their
-- article's key when it is published. The list's version (its ETag) likewise.
CREATE TRIGGER `related_links_keys_insert` AFTER INSERT ON `related_links`
WHEN EXISTS (SELECT 1 FROM `articles` WHERE `id` = new.`article_id` AND `status` = 'published')
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('article-' || new.`article_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `related_links_keys_update` AFTER UPDATE ON `related_links`
WHEN EXISTS (SELECT 1 FROM `articles` WHERE `id` = new.`article_id` AND `status` = 'published')
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('article-' || new.`article_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `related_links_keys_delete` AFTER DELETE ON `related_links`
WHEN EXISTS (SELECT 1 FROM `articles` WHERE `id` = old.`article_id` AND `status` = 'published')
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('article-' || old.`article_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `related_link_lists_keys_insert` AFTER INSERT ON `related_link_lists`
WHEN EXISTS (SELECT 1 FROM `articles` WHERE `id` = new.`article_id` AND `status` = 'published')
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('article-' || new.`article_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `related_link_lists_keys_update` AFTER UPDATE ON `related_link_lists`
WHEN EXISTS (SELECT 1 FROM `articles` WHERE `id` = new.`article_id` AND `status` = 'published')
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('article-' || new.`article_id`);
END;
--> statement-breakpoint
-- Comments: every change of what readers see (one approved, rejected or erased) moves the
-- article's `comment_count`, which logs the article's key above. This covers an approved
-- comment changed in place, which moves no count.
CREATE TRIGGER `comments_keys_update` AFTER UPDATE ON `comments` WHEN old.`status` = 'approved' AND new.`status` = 'approved'
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('article-' || new.`article_id`);
END;
