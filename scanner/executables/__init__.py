"""Executables: PE and MSI parsing and the facts derived from them.

`pe` (headers, sections, version info), `installers` (installer and packer type), `imports` (pefile's
import table, for the deep pass), `msi` (summary information), `facts` (what the pe, signature and brand
checks know about one executable, computed once per item).  May import `trust` (signatures and brand
claims) and the low layer (models, config, filetypes, rules); never checks, extract or engine.
"""
