"""Erasure suppression: the keyed hashes of erased people, looked up by every import."""

from typing import LiteralString

from graph_schema.contract import Label as L

DESCRIPTION = "ErasedContact hash key (people erased under GDPR stay out of later imports)"

STATEMENTS: list[LiteralString] = [
    f"CREATE CONSTRAINT erased_contact_hash IF NOT EXISTS FOR (n:{L.ERASED_CONTACT}) REQUIRE n.hash IS UNIQUE",
]
