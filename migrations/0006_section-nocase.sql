DROP INDEX `articles_section_idx`;--> statement-breakpoint
CREATE INDEX `articles_section_nocase_idx` ON `articles` ("section" COLLATE NOCASE,`status`,`sort_at`,`seq`);