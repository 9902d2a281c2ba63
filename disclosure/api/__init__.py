"""The public JSON API's description: its OpenAPI 3.1 document (``/api/v1/openapi.json``),
generated from the views' own schemas, and the page that reads it out (``/api/docs``)."""
