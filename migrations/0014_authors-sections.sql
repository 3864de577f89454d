CREATE TABLE `article_author_profiles` (
	`article_seq` integer NOT NULL,
	`author_id` text NOT NULL,
	`status` text NOT NULL,
	`sort_at` text NOT NULL,
	PRIMARY KEY(`article_seq`, `author_id`),
	FOREIGN KEY (`article_seq`) REFERENCES `articles`(`seq`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`author_id`) REFERENCES `authors`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `article_author_profiles_author_idx` ON `article_author_profiles` (`author_id`,`status`,`sort_at`,`article_seq`);--> statement-breakpoint
CREATE TABLE `article_sections` (
	`article_seq` integer NOT NULL,
	`section` text NOT NULL,
	`status` text NOT NULL,
	`sort_at` text NOT NULL,
	PRIMARY KEY(`article_seq`, `section`),
	FOREIGN KEY (`article_seq`) REFERENCES `articles`(`seq`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`section`) REFERENCES `sections`(`slug`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `article_sections_section_idx` ON `article_sections` (`section`,`status`,`sort_at`,`article_seq`);--> statement-breakpoint
CREATE TABLE `authors` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`job_title` text DEFAULT '' NOT NULL,
	`bio` text DEFAULT '' NOT NULL,
	`photo_media_id` text,
	`links` text DEFAULT '[]' NOT NULL,
	`email` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`photo_media_id`) REFERENCES `media`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `authors_slug_unique` ON `authors` (`slug`);--> statement-breakpoint
CREATE INDEX `authors_photo_idx` ON `authors` (`photo_media_id`);--> statement-breakpoint
CREATE TABLE `sections` (
	`slug` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`parent_slug` text,
	`path` text NOT NULL,
	`listed` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`parent_slug`) REFERENCES `sections`(`slug`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sections_path_unique` ON `sections` (`path`);--> statement-breakpoint
CREATE INDEX `sections_parent_idx` ON `sections` (`parent_slug`,`path`);--> statement-breakpoint
ALTER TABLE `articles` ADD `author_ids` text DEFAULT '[]' NOT NULL;