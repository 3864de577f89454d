-- Two trigger joins that SQLite's planner ran from the wrong end: with no statistics it walked
-- every published article (by the status index) and probed the small table for each, so each
-- write cost a scan of the published archive. That made every publish or unpublish (and so
-- every imported post: created a draft, then published) slower as the archive grew, and the
-- WordPress import of 10,000 posts grow from 27 s to over 60 s of CPU (issue 21). The same
-- keys and changes are logged as before; each statement now starts from the rows that name
-- the article or media item written, found by their index, and looks each owner up by id.
-- test/query-plans.test.ts checks every trigger's statements for such scans.
DROP TRIGGER `articles_keys_update`;
--> statement-breakpoint
-- As in migration surrogate-keys; only the last statement changed: the published owners of
-- related links that point at the article, found from the links (EXISTS looks each owner up by
-- id) rather than by walking the published articles.
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
    FROM `related_links`
    WHERE `related_links`.`target_article_id` = new.`id` AND (old.`status` = 'published') <> (new.`status` = 'published')
      AND EXISTS (SELECT 1 FROM `articles` AS `owner` WHERE `owner`.`id` = `related_links`.`article_id` AND `owner`.`status` = 'published');
END;
--> statement-breakpoint
DROP TRIGGER `media_update_changes`;
--> statement-breakpoint
-- As in migration distribution; the join starts from the media item's uses (CROSS JOIN keeps
-- that order in SQLite) and sorts only those stories.
CREATE TRIGGER `media_update_changes` AFTER UPDATE ON `media`
BEGIN
  INSERT INTO `changes` (`type`, `id`, `action`, `public_action`, `at`)
  VALUES ('media', NEW.`id`, 'upsert', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
  INSERT INTO `changes` (`type`, `id`, `action`, `public_action`, `at`)
  SELECT 'article', `articles`.`id`, 'upsert', 'upsert', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
  FROM `article_media` CROSS JOIN `articles` ON `articles`.`id` = `article_media`.`article_id`
  WHERE `article_media`.`media_id` = NEW.`id` AND `articles`.`status` = 'published'
  ORDER BY `articles`.`seq`;
END;
