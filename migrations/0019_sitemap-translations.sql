-- The sitemap index also holds translation_of, so a page finds each entry's translation group
-- (its hreflang alternates) without reading the rows.
DROP INDEX `articles_sitemap_idx`;--> statement-breakpoint
CREATE INDEX `articles_sitemap_idx` ON `articles` (`seq`,`status`,`updated_at`,`id`,`slug`,`section`,`locale`,`published_at`,`translation_of`) WHERE status = 'published';--> statement-breakpoint
-- `translations-{original}` (src/distribution/surrogate-keys.ts): structured data links the
-- published members of its translation group, so a translation that is or was published logs its
-- group's key when it joins or leaves one, is published or unpublished, or changes what its URL
-- or language is made of. An original's own changes log its article key, which they carry too.
CREATE TRIGGER `articles_translation_keys_insert` AFTER INSERT ON `articles`
  WHEN new.`status` = 'published' AND new.`translation_of` IS NOT NULL
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('translations-' || new.`translation_of`);
END;
--> statement-breakpoint
CREATE TRIGGER `articles_translation_keys_update` AFTER UPDATE ON `articles`
  WHEN (old.`status` = 'published' OR new.`status` = 'published')
    AND (old.`translation_of` IS NOT NULL OR new.`translation_of` IS NOT NULL)
    AND (old.`status` IS NOT new.`status` OR old.`translation_of` IS NOT new.`translation_of` OR old.`locale` IS NOT new.`locale`
      OR old.`slug` IS NOT new.`slug` OR old.`section` IS NOT new.`section` OR old.`published_at` IS NOT new.`published_at`)
BEGIN
  INSERT INTO `invalidations` (`key`)
    SELECT DISTINCT 'translations-' || `original`
    FROM (SELECT old.`translation_of` AS `original` WHERE old.`status` = 'published' UNION ALL SELECT new.`translation_of` WHERE new.`status` = 'published')
    WHERE `original` IS NOT NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `articles_translation_keys_delete` AFTER DELETE ON `articles`
  WHEN old.`status` = 'published' AND old.`translation_of` IS NOT NULL
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('translations-' || old.`translation_of`);
END;
