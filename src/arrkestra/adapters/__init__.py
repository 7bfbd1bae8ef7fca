"""One module per outside system, speaking core types; no retry loops inside."""
