"""Full text reads actors' terms: their labels, search words and the register text they were derived from."""

from typing import LiteralString

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R

DESCRIPTION = "actor_fulltext also indexes terms_text (term labels, search words, provenance text)"

STATEMENTS: list[LiteralString] = [
    "DROP INDEX actor_fulltext IF EXISTS",
    f"CREATE FULLTEXT INDEX actor_fulltext IF NOT EXISTS FOR (n:{L.ACTOR}) "
    "ON EACH [n.name, n.alt_names_text, n.activities, n.description, n.search_place, n.terms_text] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'swedish'}}",
    # Actors written before this migration get their terms text here (the same expression as
    # registry.dao.term_mirrors.terms_text, copied so this released migration never changes);
    # writers from now on keep it. In batches, as m0009. Terms get their search words from the
    # reference load that follows the migrations, which also refreshes this text (registry db migrate).
    f"""
MATCH (a:{L.ACTOR}) WHERE a.terms_text IS NULL
CALL (a) {{
  SET a.terms_text = reduce(s = '', x IN COLLECT {{
    MATCH (a)-[r:{R.WORKS_ON}|{R.SERVES}]->(t)
    WHERE t:{L.INTEREST_AREA} OR t:{L.TARGET_GROUP}
    RETURN coalesce(r.text, '') + ' ' + reduce(w = '', b IN [(t)-[:{R.BROADER}*0..3]->(b) | b] |
      w + ' ' + coalesce(b.label_sv, '') + ' ' + coalesce(b.label_en, '') + ' ' + coalesce(b.search_words, '')) AS x
    ORDER BY x
  }} | s + ' ; ' + x)
}} IN TRANSACTIONS OF 10000 ROWS
""",
]
