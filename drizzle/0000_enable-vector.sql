-- Every later migration may use the vector type; PGlite and Postgres both need the extension first.
CREATE EXTENSION IF NOT EXISTS vector;
