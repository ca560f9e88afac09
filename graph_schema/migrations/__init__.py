"""Numbered schema migrations, one change per file, applied in order by `registry db migrate`.

Each module `mNNNN_name.py` defines `DESCRIPTION` and `STATEMENTS`, a list of Cypher schema
statements written with `IF NOT EXISTS` so that re-applying a half-applied migration is safe.
Never edit a migration that has been released: add a new one.
"""
