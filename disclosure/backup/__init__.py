"""Backups of a running site: the database and the file store, consistent with each other.

``disclosure backup CONFIG DIR`` writes into DIR (new or empty):

- ``database.sqlite`` (SQLite, through the online backup API: one consistent copy while the
  site writes) or ``database.dump`` (PostgreSQL, ``pg_dump -Fc`` of the application's schema,
  taken in a snapshot exported by a REPEATABLE READ transaction, which also reads the alembic
  revision and the file keys the snapshot refers to);
- ``files/``: the file store, copied *after* the database snapshot. Files are content-addressed
  and written before the transaction that refers to them commits, so every file the snapshot
  refers to already exists when the copy starts. Files uploaded later are copied too, unused,
  which is harmless. Only a file deleted after the snapshot (purge of personal data, garbage
  collection) could be missing: the backup checks every key the snapshot refers to and lists
  any missing one (a warning; running the backup again gives a complete pair);
- ``manifest.json``: when, which database kind and alembic revision, and the size and SHA-256
  of the dump and of every file. It is written last: a backup that stopped half way has none,
  and restore refuses it.

``disclosure restore CONFIG DIR`` checks the manifest and every checksum first, then replaces
the database (SQLite: the backup API into the configured file; PostgreSQL: the schema dropped
and restored in one transaction) and the file store's contents. Stop the site (web and
workers) while restoring.
"""
