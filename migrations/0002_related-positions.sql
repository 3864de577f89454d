-- Related links stay in a dense order (0..n-1) whatever removes one: the API's DELETE, or a
-- target article's deletion cascading through the foreign key. Either way the list's version
-- grows, so a client holding the old list learns that it changed.
CREATE TRIGGER `related_links_repack` AFTER DELETE ON `related_links`
BEGIN
  UPDATE `related_links` SET `position` = `position` - 1
    WHERE `article_id` = OLD.`article_id` AND `position` > OLD.`position`;
  UPDATE `related_link_lists` SET `version` = `version` + 1 WHERE `article_id` = OLD.`article_id`;
END;
