CREATE TABLE `render_generation` (
	`generation` text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
-- Hand-edited: stored renders are remade on demand, so the table is made anew rather than copied
-- (the rows made before had no generation), and their keys go with them.
DROP TABLE `renders`;--> statement-breakpoint
CREATE TABLE `renders` (
	`article_id` text NOT NULL,
	`kind` text NOT NULL,
	`base` text NOT NULL,
	`generation` text NOT NULL,
	`body` text NOT NULL,
	`etag` text,
	`keys` text NOT NULL,
	PRIMARY KEY(`article_id`, `kind`, `base`, `generation`)
);
--> statement-breakpoint
DELETE FROM `render_keys`;
