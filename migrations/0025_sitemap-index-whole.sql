-- The sitemap index over every article instead of a partial index of the published ones: SQLite
-- re-prepares, on every run, each statement that compares the status of `articles` with a bound
-- value, in case the value lets it use a partial index (src/db/schema.ts).
DROP INDEX `articles_sitemap_idx`;--> statement-breakpoint
CREATE INDEX `articles_sitemap_idx` ON `articles` (`seq`,`status`,`updated_at`,`id`,`slug`,`section`,`locale`,`published_at`,`translation_of`);