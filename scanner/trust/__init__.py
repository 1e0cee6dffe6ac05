"""Trust: Authenticode verification, trust anchors, the brand policy and brand claims.

`authenticode` (signature), `paths` (certificate path checks as Windows applies them), `timestamps`
(verified timestamps), `anchors` (trusted roots), `brands` (the policy in
rules/brands.toml), `claims` (which brand a name, version info or text claims).  Imports only the low
layer (models, config, filetypes); everything above may import it.
"""
