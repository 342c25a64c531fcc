"""Storage: SQLAlchemy models, the database engine with its SQLite settings, units of
work and repositories. Knows nothing of Qt."""
