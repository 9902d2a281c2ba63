"""The public catalogue for harvesting: an OAI-PMH 2.0 data provider at ``/oai``.

- :mod:`.protocol`: verbs, arguments, datestamps and error codes (pure);
- :mod:`.tokens`: stateless, signed resumption tokens;
- :mod:`.services`: which records there are (the public boundary's items, and tombstones);
- :mod:`.documents`: the XML (the envelope, ``oai_dc``, ``disclosure`` and its schema);
- :mod:`.views`: the ``/oai`` endpoint (GET and POST) and ``/oai/disclosure.xsd``.

Datestamps and tombstones are kept by :mod:`disclosure.models.oai`; the harvester that reads
another instance's provider is :mod:`disclosure.harvest`.
"""
