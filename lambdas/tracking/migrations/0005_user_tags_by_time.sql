-- Retention reads the newest tag time (MAX) and deletes tags older than a cutoff in slices:
-- both need an index led by tag_time_ms, or every run scans the whole table.
CREATE INDEX user_tags_by_time ON user_tags (tag_time_ms);
