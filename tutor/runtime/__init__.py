"""The process shell: embedded PostgreSQL and Redis, the supervisor, the worker bootstrap."""
