CREATE TABLE `cdn_purge_cursors` (
	`url` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text NOT NULL,
	`last_error` text,
	`updated_at` text NOT NULL
);
