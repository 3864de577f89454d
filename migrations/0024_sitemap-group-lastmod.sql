-- A sitemap page lists its entries' translations as alternates, wherever they sit in the archive
-- (src/distribution/sitemaps.ts), and its ETag follows them. So the index's `lastmod` of a page
-- follows them too: a change to a published member of a translation group (an edit, a
-- publication, an unpublication, a move to another group, a deletion) moves the summary's
-- `changed_at` of every block holding another published member of its group, old or new. An
-- article without translations finds only itself in the group index: one seek, nothing written.
-- Same columns as articles_update_sitemap_blocks (0013): a comment count is not a change.
-- A new article has a group of others only as a translation (nothing can translate an article
-- before it exists): so inserts that are not translations look nothing up, which also keeps the
-- benchmark's seed (scripts/bench/seed-data.ts drops the group index while it inserts) linear.
CREATE TRIGGER `articles_insert_sitemap_group_blocks` AFTER INSERT ON `articles`
  WHEN NEW.`status` = 'published' AND NEW.`translation_of` IS NOT NULL
BEGIN
  UPDATE `sitemap_blocks` SET `changed_at` = max(`changed_at`, NEW.`updated_at`)
  WHERE `block` IN (
    SELECT (`seq` - 1) / 1000 FROM `articles`
    WHERE coalesce(`translation_of`, `id`) = NEW.`translation_of` AND `seq` <> NEW.`seq` AND `status` = 'published'
  );
END;
--> statement-breakpoint
CREATE TRIGGER `articles_update_sitemap_group_blocks` AFTER UPDATE OF `id`, `slug`, `title`, `subtitle`, `summary`, `body`, `status`,
  `authors`, `section`, `tags`, `sources`, `locale`, `lead_media_id`, `comments_enabled`, `published_at`, `scheduled_at`,
  `created_at`, `updated_at`, `version`, `external_id`, `translation_of` ON `articles`
WHEN OLD.`status` = 'published' OR NEW.`status` = 'published'
BEGIN
  UPDATE `sitemap_blocks` SET `changed_at` = max(`changed_at`, NEW.`updated_at`)
  WHERE `block` IN (
    SELECT (`seq` - 1) / 1000 FROM `articles`
    WHERE coalesce(`translation_of`, `id`) = coalesce(NEW.`translation_of`, NEW.`id`) AND `seq` <> NEW.`seq` AND `status` = 'published'
  );
  -- The group it left, if it moved (one statement per group: with IN of both, the planner took the status index).
  UPDATE `sitemap_blocks` SET `changed_at` = max(`changed_at`, NEW.`updated_at`)
  WHERE `block` IN (
    SELECT (`seq` - 1) / 1000 FROM `articles`
    WHERE coalesce(`translation_of`, `id`) = coalesce(OLD.`translation_of`, OLD.`id`) AND `seq` <> NEW.`seq` AND `status` = 'published'
      AND coalesce(OLD.`translation_of`, OLD.`id`) IS NOT coalesce(NEW.`translation_of`, NEW.`id`)
  );
END;
--> statement-breakpoint
CREATE TRIGGER `articles_delete_sitemap_group_blocks` AFTER DELETE ON `articles` WHEN OLD.`status` = 'published'
BEGIN
  UPDATE `sitemap_blocks` SET `changed_at` = max(`changed_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  WHERE `block` IN (
    SELECT (`seq` - 1) / 1000 FROM `articles`
    WHERE coalesce(`translation_of`, `id`) = coalesce(OLD.`translation_of`, OLD.`id`) AND `status` = 'published'
  );
END;
