"""PostgreSQL through psycopg, with every wait on the server bounded (see `base`)."""
