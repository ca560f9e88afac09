"""Relationship maps drawn with pyvis, safe and offline."""
