"""Open Referral's HSDS 3.0: the registry's actors as HSDS objects (mapping), its tabular package, its schemas.

The mapping is documented in docs/hsds.md. The schemas under `schema/` are Open Referral's,
under CC BY-SA 4.0 (see `schema/README.md` and `schema/LICENSE`).
"""
