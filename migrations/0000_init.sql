CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_token_hash_unique` ON `api_keys` (`token_hash`);--> statement-breakpoint
CREATE TABLE `article_authors` (
	`article_seq` integer NOT NULL,
	`author` text NOT NULL,
	`status` text NOT NULL,
	`sort_at` text NOT NULL,
	PRIMARY KEY(`article_seq`, `author`),
	FOREIGN KEY (`article_seq`) REFERENCES `articles`(`seq`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `article_authors_author_idx` ON `article_authors` (`author`,`status`,`sort_at`,`article_seq`);--> statement-breakpoint
CREATE TABLE `article_media` (
	`article_id` text NOT NULL,
	`media_id` text NOT NULL,
	PRIMARY KEY(`article_id`, `media_id`),
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`media_id`) REFERENCES `media`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `article_media_media_idx` ON `article_media` (`media_id`);--> statement-breakpoint
CREATE TABLE `article_revisions` (
	`article_id` text NOT NULL,
	`revision` integer NOT NULL,
	`snapshot` text NOT NULL,
	`key_id` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`article_id`, `revision`),
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `article_tags` (
	`article_seq` integer NOT NULL,
	`tag` text NOT NULL,
	`status` text NOT NULL,
	`sort_at` text NOT NULL,
	PRIMARY KEY(`article_seq`, `tag`),
	FOREIGN KEY (`article_seq`) REFERENCES `articles`(`seq`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `article_tags_tag_idx` ON `article_tags` (`tag`,`status`,`sort_at`,`article_seq`);--> statement-breakpoint
CREATE TABLE `articles` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`slug` text NOT NULL,
	`title` text NOT NULL,
	`subtitle` text DEFAULT '' NOT NULL,
	`summary` text DEFAULT '' NOT NULL,
	`body` text NOT NULL,
	`status` text NOT NULL,
	`authors` text NOT NULL,
	`section` text,
	`tags` text NOT NULL,
	`sources` text NOT NULL,
	`locale` text DEFAULT 'en' NOT NULL,
	`lead_media_id` text,
	`comments_enabled` integer DEFAULT true NOT NULL,
	`comment_count` integer DEFAULT 0 NOT NULL,
	`published_at` text,
	`scheduled_at` text,
	`sort_at` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`lead_media_id`) REFERENCES `media`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `articles_id_unique` ON `articles` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `articles_slug_unique` ON `articles` (`slug`);--> statement-breakpoint
CREATE INDEX `articles_status_sort_idx` ON `articles` (`status`,`sort_at`,`seq`);--> statement-breakpoint
CREATE INDEX `articles_sort_idx` ON `articles` (`sort_at`,`seq`);--> statement-breakpoint
CREATE INDEX `articles_section_idx` ON `articles` (`section`,`status`,`sort_at`,`seq`);--> statement-breakpoint
CREATE INDEX `articles_scheduled_idx` ON `articles` (`status`,`scheduled_at`);--> statement-breakpoint
CREATE INDEX `articles_lead_media_idx` ON `articles` (`lead_media_id`);--> statement-breakpoint
CREATE TABLE `comment_moderations` (
	`id` text PRIMARY KEY NOT NULL,
	`comment_id` text NOT NULL,
	`article_id` text NOT NULL,
	`from_status` text,
	`to_status` text NOT NULL,
	`key_id` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `comment_moderations_comment_idx` ON `comment_moderations` (`comment_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `comments` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`article_id` text NOT NULL,
	`parent_id` text,
	`depth` integer DEFAULT 0 NOT NULL,
	`author_name` text NOT NULL,
	`author_email` text,
	`body` text NOT NULL,
	`status` text NOT NULL,
	`ip` text,
	`user_agent` text,
	`spam_verdict` text DEFAULT 'ok' NOT NULL,
	`spam_score` integer DEFAULT 0 NOT NULL,
	`spam_reasons` text DEFAULT '[]' NOT NULL,
	`fingerprint` text DEFAULT '' NOT NULL,
	`moderated_by` text,
	`moderated_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`parent_id`) REFERENCES `comments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `comments_id_unique` ON `comments` (`id`);--> statement-breakpoint
CREATE INDEX `comments_article_idx` ON `comments` (`article_id`,`status`,`seq`);--> statement-breakpoint
CREATE INDEX `comments_queue_idx` ON `comments` (`status`,`seq`);--> statement-breakpoint
CREATE INDEX `comments_article_seq_idx` ON `comments` (`article_id`,`seq`);--> statement-breakpoint
CREATE INDEX `comments_parent_idx` ON `comments` (`parent_id`);--> statement-breakpoint
CREATE INDEX `comments_repeat_idx` ON `comments` (`ip`,`fingerprint`,`created_at`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`caller` text NOT NULL,
	`key` text NOT NULL,
	`fingerprint` text NOT NULL,
	`status_code` integer,
	`headers` text,
	`body` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`caller`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_created_idx` ON `idempotency_keys` (`created_at`);--> statement-breakpoint
CREATE TABLE `media` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`mime_type` text NOT NULL,
	`filename` text NOT NULL,
	`size` integer NOT NULL,
	`width` integer,
	`height` integer,
	`sha256` text NOT NULL,
	`caption` text DEFAULT '' NOT NULL,
	`credit` text DEFAULT '' NOT NULL,
	`creator` text DEFAULT '' NOT NULL,
	`copyright` text DEFAULT '' NOT NULL,
	`usage_terms` text DEFAULT '' NOT NULL,
	`alt_text` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `media_sha256_idx` ON `media` (`sha256`);--> statement-breakpoint
CREATE INDEX `media_created_idx` ON `media` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `related_link_lists` (
	`article_id` text PRIMARY KEY NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `related_links` (
	`id` text PRIMARY KEY NOT NULL,
	`article_id` text NOT NULL,
	`position` integer NOT NULL,
	`target_article_id` text,
	`url` text,
	`title` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`target_article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `related_links_article_idx` ON `related_links` (`article_id`,`position`);--> statement-breakpoint
CREATE UNIQUE INDEX `related_links_target_uq` ON `related_links` (`article_id`,`target_article_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `related_links_url_uq` ON `related_links` (`article_id`,`url`);--> statement-breakpoint
CREATE INDEX `related_links_target_idx` ON `related_links` (`target_article_id`);--> statement-breakpoint
CREATE TABLE `webhook_attempts` (
	`id` text PRIMARY KEY NOT NULL,
	`delivery_seq` integer NOT NULL,
	`webhook_id` text NOT NULL,
	`event_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`attempted_at` text NOT NULL,
	`status_code` integer,
	`duration_ms` integer NOT NULL,
	`error` text,
	`retry_at` text,
	FOREIGN KEY (`delivery_seq`) REFERENCES `webhook_deliveries`(`seq`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_attempts_webhook_idx` ON `webhook_attempts` (`webhook_id`,`attempted_at`,`id`);--> statement-breakpoint
CREATE INDEX `webhook_attempts_delivery_idx` ON `webhook_attempts` (`delivery_seq`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`webhook_id` text NOT NULL,
	`event_id` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`webhook_id`) REFERENCES `webhooks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`event_id`) REFERENCES `webhook_events`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_webhook_idx` ON `webhook_deliveries` (`webhook_id`,`status`,`seq`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_event_idx` ON `webhook_deliveries` (`event_id`,`webhook_id`);--> statement-breakpoint
CREATE TABLE `webhook_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`data` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_events_created_idx` ON `webhook_events` (`created_at`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`events` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`secret` text NOT NULL,
	`previous_secret` text,
	`previous_secret_expires_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhooks_created_idx` ON `webhooks` (`created_at`,`id`);