"""Storage: sqlmodel tables, the engine and sessions, and the repository functions. No Qt."""
