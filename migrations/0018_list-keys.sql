-- Lists that only an article's place decides are no longer evicted by its edits. `articles`
-- (every list, feed and sitemap) was logged on any editorial change to a published article, so
-- 4 saves a second emptied every unfiltered list page and cursor page from the caches 4 times a
-- second, though an edit that keeps an article's status and place changes only the pages that
-- show it, which carry its own key. Now:
-- - `articles` is logged when a published article appears, goes, or moves in the order
--   (status or sort_at): what decides which articles an unfiltered page holds;
-- - `articles-content` is logged on any other editorial change (its version moves): searches and
--   lists filtered by what an edit can change (`q`, `locale`), feeds and sitemaps (which print
--   content and lastmod without each article's key) carry it besides `articles`, so between the
--   two they are evicted by every change, and a CDN is sent one of them, not both.
-- Otherwise as in migration trigger-join-order.
DROP TRIGGER `articles_keys_update`;
--> statement-breakpoint
CREATE TRIGGER `articles_keys_update` AFTER UPDATE ON `articles` WHEN old.`status` = 'published' OR new.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('article-' || new.`id`);
  INSERT INTO `invalidations` (`key`)
    SELECT 'articles'
    WHERE old.`status` IS NOT new.`status` OR old.`sort_at` IS NOT new.`sort_at`;
  INSERT INTO `invalidations` (`key`)
    SELECT 'articles-content'
    WHERE old.`version` IS NOT new.`version` AND old.`status` IS new.`status` AND old.`sort_at` IS new.`sort_at`;
  INSERT INTO `invalidations` (`key`)
    SELECT DISTINCT 'articles-section-' || CASE WHEN lower(`section`) GLOB '*[^-a-z0-9._]*' THEN 'x' || lower(hex(lower(`section`))) ELSE lower(`section`) END
    FROM (SELECT old.`section` AS `section` WHERE old.`status` = 'published' UNION ALL SELECT new.`section` WHERE new.`status` = 'published')
    WHERE `section` IS NOT NULL
      AND (old.`status` IS NOT new.`status` OR old.`sort_at` IS NOT new.`sort_at` OR old.`section` IS NOT new.`section`);
  INSERT INTO `invalidations` (`key`)
    SELECT DISTINCT 'article-' || `related_links`.`article_id`
    FROM `related_links`
    WHERE `related_links`.`target_article_id` = new.`id` AND (old.`status` = 'published') <> (new.`status` = 'published')
      AND EXISTS (SELECT 1 FROM `articles` AS `owner` WHERE `owner`.`id` = `related_links`.`article_id` AND `owner`.`status` = 'published');
END;
