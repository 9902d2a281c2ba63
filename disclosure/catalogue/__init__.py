from .. import settings as s
from .registry import load_schema
from .services import CatalogueService
from .visibility import public_fields


def includeme(config):
    # A broken catalog_schemas/ file raises SchemaError here and start-up stops.
    schema = load_schema(s.get(config.get_settings(), "schemas_dir"))
    config.registry["catalogue_schema"] = schema
    config.add_request_method(lambda request: schema, "catalogue_schema", reify=True)
    config.add_request_method(
        lambda request: CatalogueService(request.dbsession, schema), "catalogue", reify=True
    )
    # Templates that list items read their public fields through the boundary, never the model.
    config.add_request_method(
        lambda request: lambda item: public_fields(item, schema), "public_fields", reify=True
    )
