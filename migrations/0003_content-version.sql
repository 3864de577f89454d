-- One number that grows whenever something a published read can show changes: an article, a
-- media item, a related link or a list of them, whoever writes it (this process, the scheduler,
-- `npm run seed`, another connection). The response cache (src/http/response-cache.ts) keeps
-- an answer only while this number stays what it was when the answer was made.
CREATE TABLE `content_version` (
  `id` integer PRIMARY KEY NOT NULL CHECK (`id` = 1),
  `value` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `content_version` (`id`, `value`) VALUES (1, 0);
--> statement-breakpoint
CREATE TRIGGER `articles_insert_content_version` AFTER INSERT ON `articles`
BEGIN
  UPDATE `content_version` SET `value` = `value` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `articles_update_content_version` AFTER UPDATE ON `articles`
BEGIN
  UPDATE `content_version` SET `value` = `value` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `articles_delete_content_version` AFTER DELETE ON `articles`
BEGIN
  UPDATE `content_version` SET `value` = `value` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `media_insert_content_version` AFTER INSERT ON `media`
BEGIN
  UPDATE `content_version` SET `value` = `value` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `media_update_content_version` AFTER UPDATE ON `media`
BEGIN
  UPDATE `content_version` SET `value` = `value` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `media_delete_content_version` AFTER DELETE ON `media`
BEGIN
  UPDATE `content_version` SET `value` = `value` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `related_links_insert_content_version` AFTER INSERT ON `related_links`
BEGIN
  UPDATE `content_version` SET `value` = `value` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `related_links_update_content_version` AFTER UPDATE ON `related_links`
BEGIN
  UPDATE `content_version` SET `value` = `value` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `related_links_delete_content_version` AFTER DELETE ON `related_links`
BEGIN
  UPDATE `content_version` SET `value` = `value` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `related_link_lists_insert_content_version` AFTER INSERT ON `related_link_lists`
BEGIN
  UPDATE `content_version` SET `value` = `value` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `related_link_lists_update_content_version` AFTER UPDATE ON `related_link_lists`
BEGIN
  UPDATE `content_version` SET `value` = `value` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `related_link_lists_delete_content_version` AFTER DELETE ON `related_link_lists`
BEGIN
  UPDATE `content_version` SET `value` = `value` + 1 WHERE `id` = 1;
END;
