"""SQLite persistence: named SQL and functions of a connection, nothing else."""
