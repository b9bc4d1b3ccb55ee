"""Database models (SQLAlchemy 2.x), the store that writes through them, and its migrations."""
