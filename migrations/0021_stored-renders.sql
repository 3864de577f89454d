CREATE TABLE `render_keys` (
	`key` text NOT NULL,
	`article_id` text NOT NULL,
	PRIMARY KEY(`key`, `article_id`)
);
--> statement-breakpoint
CREATE INDEX `render_keys_article_idx` ON `render_keys` (`article_id`);--> statement-breakpoint
CREATE TABLE `renders` (
	`article_id` text NOT NULL,
	`kind` text NOT NULL,
	`base` text NOT NULL,
	`body` text NOT NULL,
	`etag` text,
	`keys` text NOT NULL,
	PRIMARY KEY(`article_id`, `kind`, `base`)
);
--> statement-breakpoint
-- Hand-written (drizzle-kit has no triggers): a change that logs a key deletes, in its own
-- transaction, every stored render of each article that has a render showing that key.
CREATE TRIGGER `renders_evict` AFTER INSERT ON `invalidations` BEGIN
  DELETE FROM `renders` WHERE `article_id` IN (SELECT `article_id` FROM `render_keys` WHERE `key` = NEW.`key`);
  DELETE FROM `render_keys` WHERE `article_id` IN (SELECT `article_id` FROM `render_keys` WHERE `key` = NEW.`key`);
END;
