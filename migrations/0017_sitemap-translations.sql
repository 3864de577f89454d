-- The sitemap index also holds translation_of, so a page finds each entry's translation group
-- (its hreflang alternates) without reading the rows.
DROP INDEX `articles_sitemap_idx`;--> statement-breakpoint
CREATE INDEX `articles_sitemap_idx` ON `articles` (`seq`,`status`,`updated_at`,`id`,`slug`,`section`,`locale`,`published_at`,`translation_of`) WHERE status = 'published';