"""Tamper-evident histories: case histories (``request_events``) and catalogue versions
(``catalogue_item_versions``) are hash chains.

Each entry stores ``prev_hash`` (the ``entry_hash`` of the entry before it in the same case or
item; NULL for the first) and ``entry_hash`` (SHA-256 over the previous hash and a canonical
serialisation of the entry's content fields). ``chain`` holds the pure functions, ``listeners``
fills the columns whenever rows are inserted, ``verify`` walks every chain
(``disclosure audit-verify``).
"""
