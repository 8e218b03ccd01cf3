"""The catalog's PostgreSQL store (a team library): psycopg 3, pgvector."""
