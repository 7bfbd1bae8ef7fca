-- reserved for issue 14 (the dashboard): filled in by its page, or removed and renumbered before release
SELECT 1;
