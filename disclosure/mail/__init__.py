"""Mail: the transactional outbox (``outbox``) and the ways a message leaves (``backends``).

The request feature wires them up (``disclosure.requests.includeme``): the mailer chosen by
``disclosure.mail.backend``, the sender, and its thread in the web process
(``disclosure.mail.worker = thread``) or ``disclosure mail-worker`` (``off``).
"""
