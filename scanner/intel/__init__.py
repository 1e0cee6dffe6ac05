"""Intel: known-bad lists and threat feeds.

`iocs` (the bundled rules/iocs lists), `feeds` (feed settings, the on-disk store and lookups),
`fetch` (download with conditional requests, validate, swap atomically), `parse` (feed formats).
May import `domains` (host normalisation) and the low layer.
"""
