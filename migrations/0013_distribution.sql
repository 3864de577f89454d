CREATE TABLE `changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`type` text NOT NULL,
	`id` text NOT NULL,
	`action` text NOT NULL,
	`public_action` text,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `changes_public_idx` ON `changes` (`seq`) WHERE public_action IS NOT NULL;--> statement-breakpoint
CREATE TABLE `sitemap_blocks` (
	`block` integer PRIMARY KEY NOT NULL,
	`published` integer NOT NULL,
	`changed_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `articles_sitemap_idx` ON `articles` (`seq`,`status`,`updated_at`,`id`,`slug`,`section`,`locale`,`published_at`) WHERE status = 'published';--> statement-breakpoint
-- The sitemap index's summary: per block of 1,000 article numbers, how many are published and
-- when the last change to one of them (or to one leaving them) was made. An edit or a change of
-- status brings its article's updatedAt; a deletion, the time of the deletion.
INSERT INTO `sitemap_blocks` (`block`, `published`, `changed_at`)
SELECT (`seq` - 1) / 1000, count(*), max(`updated_at`) FROM `articles` WHERE `status` = 'published' GROUP BY 1;
--> statement-breakpoint
CREATE TRIGGER `articles_insert_sitemap_blocks` AFTER INSERT ON `articles` WHEN NEW.`status` = 'published'
BEGIN
  INSERT INTO `sitemap_blocks` (`block`, `published`, `changed_at`) VALUES ((NEW.`seq` - 1) / 1000, 1, NEW.`updated_at`)
  ON CONFLICT (`block`) DO UPDATE SET `published` = `published` + 1, `changed_at` = max(`changed_at`, excluded.`changed_at`);
END;
--> statement-breakpoint
CREATE TRIGGER `articles_update_sitemap_blocks` AFTER UPDATE OF `id`, `slug`, `title`, `subtitle`, `summary`, `body`, `status`,
  `authors`, `section`, `tags`, `sources`, `locale`, `lead_media_id`, `comments_enabled`, `published_at`, `scheduled_at`,
  `created_at`, `updated_at`, `version`, `external_id`, `translation_of` ON `articles`
WHEN OLD.`status` = 'published' OR NEW.`status` = 'published'
BEGIN
  INSERT INTO `sitemap_blocks` (`block`, `published`, `changed_at`)
  VALUES ((NEW.`seq` - 1) / 1000, (NEW.`status` = 'published') - (OLD.`status` = 'published'), NEW.`updated_at`)
  ON CONFLICT (`block`) DO UPDATE SET `published` = `published` + excluded.`published`, `changed_at` = max(`changed_at`, excluded.`changed_at`);
END;
--> statement-breakpoint
CREATE TRIGGER `articles_delete_sitemap_blocks` AFTER DELETE ON `articles` WHEN OLD.`status` = 'published'
BEGIN
  UPDATE `sitemap_blocks` SET `published` = `published` - 1, `changed_at` = max(`changed_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  WHERE `block` = (OLD.`seq` - 1) / 1000;
END;
--> statement-breakpoint
-- The change feed's log (src/changes/), written here rather than by the repositories so that
-- every writer is covered: the API, the scheduler, `npm run seed`, another process. Each row
-- records what staff see (`action`) and what a reader without a key sees (`public_action`): an
-- article published, or changed while published, is an upsert; one that stops being published
-- (unpublished, archived, deleted) a tombstone; a draft that never was published nothing at all.
-- The comment count is left out of the columns watched: a comment is not a change of the story.
CREATE TRIGGER `articles_insert_changes` AFTER INSERT ON `articles`
BEGIN
  INSERT INTO `changes` (`type`, `id`, `action`, `public_action`, `at`)
  VALUES ('article', NEW.`id`, 'upsert', CASE WHEN NEW.`status` = 'published' THEN 'upsert' END, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
CREATE TRIGGER `articles_update_changes` AFTER UPDATE OF `id`, `slug`, `title`, `subtitle`, `summary`, `body`, `status`, `authors`,
  `section`, `tags`, `sources`, `locale`, `lead_media_id`, `comments_enabled`, `published_at`, `scheduled_at`, `created_at`,
  `updated_at`, `version`, `external_id`, `translation_of` ON `articles`
BEGIN
  INSERT INTO `changes` (`type`, `id`, `action`, `public_action`, `at`)
  VALUES ('article', NEW.`id`, 'upsert',
    CASE WHEN NEW.`status` = 'published' THEN 'upsert' WHEN OLD.`status` = 'published' THEN 'delete' END,
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
CREATE TRIGGER `articles_delete_changes` AFTER DELETE ON `articles`
BEGIN
  INSERT INTO `changes` (`type`, `id`, `action`, `public_action`, `at`)
  VALUES ('article', OLD.`id`, 'delete', CASE WHEN OLD.`status` = 'published' THEN 'delete' END, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
CREATE TRIGGER `media_insert_changes` AFTER INSERT ON `media`
BEGIN
  INSERT INTO `changes` (`type`, `id`, `action`, `public_action`, `at`)
  VALUES ('media', NEW.`id`, 'upsert', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
-- A media item's new caption or credit changes every published story that shows it: readers
-- are told of those stories (media entries themselves are for staff).
CREATE TRIGGER `media_update_changes` AFTER UPDATE ON `media`
BEGIN
  INSERT INTO `changes` (`type`, `id`, `action`, `public_action`, `at`)
  VALUES ('media', NEW.`id`, 'upsert', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
  INSERT INTO `changes` (`type`, `id`, `action`, `public_action`, `at`)
  SELECT 'article', `articles`.`id`, 'upsert', 'upsert', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
  FROM `article_media` INNER JOIN `articles` ON `articles`.`id` = `article_media`.`article_id`
  WHERE `article_media`.`media_id` = NEW.`id` AND `articles`.`status` = 'published'
  ORDER BY `articles`.`seq`;
END;
--> statement-breakpoint
CREATE TRIGGER `media_delete_changes` AFTER DELETE ON `media`
BEGIN
  INSERT INTO `changes` (`type`, `id`, `action`, `public_action`, `at`)
  VALUES ('media', OLD.`id`, 'delete', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
-- Readers' pages of the change feed carry the surrogate key `changes` (src/changes/routes.ts):
-- every change they would see logs it (src/http/surrogate-keys.ts), so that caches drop those
-- pages then, and only then.
CREATE TRIGGER `changes_keys_insert` AFTER INSERT ON `changes` WHEN NEW.`public_action` IS NOT NULL
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('changes');
END;
