"""API tokens and the audit trail: token keys, audit lookups by subject and time, contact e-mail for GDPR requests."""

from typing import LiteralString

from graph_schema.contract import Label as L

DESCRIPTION = "ApiToken and AuditEvent keys; audit by subject and time; ContactPerson e-mail for access and erasure"

STATEMENTS: list[LiteralString] = [
    f"CREATE CONSTRAINT api_token_id IF NOT EXISTS FOR (n:{L.API_TOKEN}) REQUIRE n.id IS UNIQUE",
    f"CREATE CONSTRAINT audit_event_id IF NOT EXISTS FOR (n:{L.AUDIT_EVENT}) REQUIRE n.id IS UNIQUE",
    # History is read by subject, newest first; it outlives the node it was about (erasure, deletion).
    f"CREATE INDEX audit_event_subject IF NOT EXISTS FOR (n:{L.AUDIT_EVENT}) ON (n.subject_id, n.at)",
    f"CREATE INDEX audit_event_at IF NOT EXISTS FOR (n:{L.AUDIT_EVENT}) ON (n.at)",
    f"CREATE INDEX contact_person_email IF NOT EXISTS FOR (n:{L.CONTACT_PERSON}) ON (n.email)",
]
