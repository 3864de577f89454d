CREATE TABLE `import_records` (
	`key` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`resource_id` text NOT NULL,
	`version` text,
	`digest` text NOT NULL,
	`imported_at` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `articles` ADD `external_id` text;--> statement-breakpoint
CREATE UNIQUE INDEX `articles_external_id_uq` ON `articles` (`external_id`);