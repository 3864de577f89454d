-- The surrogate keys of author profiles, sections and tags (see migration surrogate-keys and
-- src/http/surrogate-keys.ts): a profile's own answers and the articles that embed it carry
-- `author-{id}`, the list of profiles `authors`, section answers `sections`, the tag list `tags`,
-- and article lists filtered by `section` or `authorId` carry `articles-section-{slug}` or
-- `articles-authorId-{id}`. Slugs and ids are plain (lower-case ASCII letters, digits and `-`),
-- so they are their own key part.
CREATE TRIGGER `authors_keys_insert` AFTER INSERT ON `authors`
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('authors');
END;
--> statement-breakpoint
CREATE TRIGGER `authors_keys_update` AFTER UPDATE ON `authors`
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('author-' || new.`id`), ('authors');
END;
--> statement-breakpoint
CREATE TRIGGER `authors_keys_delete` AFTER DELETE ON `authors`
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('author-' || old.`id`), ('authors');
END;
--> statement-breakpoint
-- Readers see listed sections only: a section made on first use by a draft changes nothing
-- they see until it is listed, which is an update.
CREATE TRIGGER `sections_keys_insert` AFTER INSERT ON `sections` WHEN new.`listed`
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('sections');
END;
--> statement-breakpoint
CREATE TRIGGER `sections_keys_update` AFTER UPDATE ON `sections` WHEN old.`listed` OR new.`listed`
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('sections');
END;
--> statement-breakpoint
CREATE TRIGGER `sections_keys_delete` AFTER DELETE ON `sections` WHEN old.`listed`
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('sections');
END;
--> statement-breakpoint
-- Section and profile rows copy their article's status and sort key, like tag rows: their
-- changes are exactly the lists filtered by them that a published article joins, leaves or
-- moves in. A section's rows include those of the articles below it, so moving a section
-- (which rewrites them) evicts the lists of the sections it leaves and joins.
CREATE TRIGGER `article_sections_keys_insert` AFTER INSERT ON `article_sections` WHEN new.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('articles-section-' || new.`section`);
END;
--> statement-breakpoint
CREATE TRIGGER `article_sections_keys_update` AFTER UPDATE ON `article_sections` WHEN old.`status` = 'published' OR new.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('articles-section-' || new.`section`);
END;
--> statement-breakpoint
CREATE TRIGGER `article_sections_keys_delete` AFTER DELETE ON `article_sections` WHEN old.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('articles-section-' || old.`section`);
END;
--> statement-breakpoint
CREATE TRIGGER `article_author_profiles_keys_insert` AFTER INSERT ON `article_author_profiles` WHEN new.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('articles-authorId-' || new.`author_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `article_author_profiles_keys_update` AFTER UPDATE ON `article_author_profiles` WHEN old.`status` = 'published' OR new.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('articles-authorId-' || new.`author_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `article_author_profiles_keys_delete` AFTER DELETE ON `article_author_profiles` WHEN old.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('articles-authorId-' || old.`author_id`);
END;
--> statement-breakpoint
-- The tag list counts published articles and spells each tag as the newest of them does: a
-- published article taking or dropping a tag (a rewrite of its rows), or being published or
-- unpublished, changes it.
CREATE TRIGGER `article_tags_list_keys_insert` AFTER INSERT ON `article_tags` WHEN new.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('tags');
END;
--> statement-breakpoint
CREATE TRIGGER `article_tags_list_keys_update` AFTER UPDATE ON `article_tags` WHEN (old.`status` = 'published') <> (new.`status` = 'published')
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('tags');
END;
--> statement-breakpoint
CREATE TRIGGER `article_tags_list_keys_delete` AFTER DELETE ON `article_tags` WHEN old.`status` = 'published'
BEGIN
  INSERT INTO `invalidations` (`key`) VALUES ('tags');
END;
