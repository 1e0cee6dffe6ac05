"""Domains: hosts, URLs and the lookalike logic.

`hosts` (normalisation: IDNA, NFKC, skeletons), `indicators` (URL and host extraction from text,
registrable domains), `unwrap` (Safe Links, Proofpoint and other link wrappers), `htmllinks` (links and
text of HTML), `lookalike` and `squat` (a host imitating a protected brand).  May import `trust` (the
brand policy) and the low layer.
"""
