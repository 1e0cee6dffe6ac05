"""Trust: Authenticode verification, trust anchors, the brand policy and brand claims.

`authenticode` (signature and certificate path), `anchors` (trusted roots), `brands` (the policy in
rules/brands.toml), `claims` (which brand a name, version info or text claims).  Imports only the low
layer (models, config, filetypes); everything above may import it.
"""
