-- Sections from the articles written before sections were rows. Each distinct section text
-- becomes a section whose slug is made as the service makes it (cms_slugify: src/text/slug.ts,
-- registered on every connection by src/db/client.ts; text with no Latin letter or digit gets
-- `section-` and its UTF-8 bytes in hex, as src/sections/slug.ts does), with the text itself
-- as its name, so that "Local News" becomes the section `local-news` named "Local News". The
-- articles then name the slug (most already did: a slug is its own slug); nothing else in them
-- changes, not even their version. A section that holds a published article is listed.
INSERT INTO `sections` (`slug`, `name`, `path`, `listed`, `created_at`, `updated_at`)
SELECT `slug`, min(`section`), `slug`, max(`status` = 'published'), `at`, `at`
FROM (
  SELECT
    `section`,
    `status`,
    CASE WHEN cms_slugify(`section`) <> '' THEN cms_slugify(`section`) ELSE substr('section-' || lower(hex(`section`)), 1, 120) END AS `slug`,
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS `at`
  FROM `articles`
  WHERE `section` IS NOT NULL
)
GROUP BY `slug`;
--> statement-breakpoint
UPDATE `articles`
SET `section` = CASE WHEN cms_slugify(`section`) <> '' THEN cms_slugify(`section`) ELSE substr('section-' || lower(hex(`section`)), 1, 120) END
WHERE `section` IS NOT NULL
  AND `section` <> CASE WHEN cms_slugify(`section`) <> '' THEN cms_slugify(`section`) ELSE substr('section-' || lower(hex(`section`)), 1, 120) END;
--> statement-breakpoint
-- Every section made above is a root, so an article's only section row is its own.
INSERT INTO `article_sections` (`article_seq`, `section`, `status`, `sort_at`)
SELECT `seq`, `section`, `status`, `sort_at` FROM `articles` WHERE `section` IS NOT NULL;
