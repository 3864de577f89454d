-- Corrections, preview links and translations (issue 19). Written by drizzle-kit, then fixed by
-- hand where it falls short: ADD COLUMN lost the foreign key's ON DELETE SET NULL, and the
-- group index's expression was split at its comma. Slugs become unique within a locale; every
-- existing article keeps its row, its slug and its locale, and is an original (translation_of null).
CREATE TABLE `article_corrections` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`article_id` text NOT NULL,
	`type` text NOT NULL,
	`text` text NOT NULL,
	`at` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `article_corrections_id_unique` ON `article_corrections` (`id`);--> statement-breakpoint
CREATE INDEX `article_corrections_article_idx` ON `article_corrections` (`article_id`,`at`,`seq`);--> statement-breakpoint
CREATE TABLE `preview_links` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`article_id` text NOT NULL,
	`key_id` text,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `preview_links_article_idx` ON `preview_links` (`article_id`);--> statement-breakpoint
CREATE INDEX `preview_links_expires_idx` ON `preview_links` (`expires_at`);--> statement-breakpoint
DROP INDEX `articles_slug_unique`;--> statement-breakpoint
ALTER TABLE `articles` ADD `translation_of` text REFERENCES articles(id) ON DELETE SET NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `articles_locale_slug_uq` ON `articles` (`locale`,`slug`);--> statement-breakpoint
CREATE UNIQUE INDEX `articles_translation_group_uq` ON `articles` (coalesce("translation_of", "id"),`locale`);--> statement-breakpoint
CREATE INDEX `articles_translation_of_idx` ON `articles` (`translation_of`);--> statement-breakpoint
CREATE INDEX `articles_locale_sort_idx` ON `articles` (`locale`,`status`,`sort_at`,`seq`);