"""A Babel extractor for the interface's labels kept as data in ``catalog_schemas/``.

The catalogue's Chinese labels are read from YAML at start-up and shown on the pages (the
officer form's field titles and choices, the item's metadata box, the browse page's facets, the
portal's sections, the kinds of 法定主动公开内容). Their Chinese is the message id: the code
shows them through ``request.translate(_(label))`` or ``{{ _(label) }}``, and this extractor
puts them in the catalogue (babel.cfg, ``[extractors]``; ``make i18n-extract``).

What is extracted, by file (``options["kind"]``, or the file's place under catalog_schemas/):

- ``fields.yaml``: each field's ``label``;
- ``vocabularies/*.yaml`` and ``categories/*.yaml``: each item's ``label`` (children too);
- ``sections.yaml``: the column's ``title``, each section's ``title`` and ``description``;
- ``proactive/*.yaml``: each kind's ``label``;
- ``scorecard.yaml``: the title, each level's and indicator's ``label``, and the guide's fixed
  ``phrases``.

The law's wording stays Chinese and is not extracted: the articles and items cited
(``article``, ``item``), the ``intro`` of the proactive lists, and everything in
``profiles/``, ``letters/`` and the other files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath

import yaml

#: per kind of file, the key paths whose text is a label ("*" any item of a list, "**" any
#: depth of ``children``)
PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "fields": (("fields", "*", "label"),),
    "vocabulary": (("items", "*", "label"),),
    "categories": (("items", "**", "label"),),
    "sections": (("title",), ("sections", "*", "title"), ("sections", "*", "description")),
    "proactive": (("kinds", "*", "label"),),
    "scorecard": (
        ("title",),
        ("levels", "*", "label"),
        ("indicators", "*", "label"),
        ("indicators", "*", "params", "phrases", "*"),
    ),
}


def kind_of(filename: str) -> str | None:
    """The kind of a file under catalog_schemas/, from its name and folder; None for one
    without interface labels."""
    path = PurePath(filename)
    if path.name == "fields.yaml":
        return "fields"
    if path.name == "sections.yaml":
        return "sections"
    if path.name == "scorecard.yaml":
        return "scorecard"
    folder = path.parent.name
    return {"vocabularies": "vocabulary", "categories": "categories", "proactive": "proactive"}.get(
        folder
    )


def _matches(trail: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    if not pattern:
        return not trail
    head, rest = pattern[0], pattern[1:]
    if head == "**":  # an item of the list, then (children, item)* any number of times
        if not trail:
            return False
        after = trail[1:]
        while True:
            if _matches(after, rest):
                return True
            if len(after) >= 2 and after[0] == "children":
                after = after[2:]
            else:
                return False
    if not trail:
        return False
    return (head == "*" or head == trail[0]) and _matches(trail[1:], rest)


def _scalars(node, trail: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _scalars(value, (*trail, str(key.value)))
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            yield from _scalars(value, (*trail, str(i)))
    elif isinstance(node, yaml.ScalarNode):
        yield trail, node


def labels(text: str, kind: str) -> Iterator[tuple[int, str]]:
    """(line, label) for each label of a file of ``kind``, in the file's order."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is None:
        return
    patterns = PATHS[kind]
    for trail, node in _scalars(root):
        if any(_matches(trail, p) for p in patterns):
            value = str(node.value).strip()
            if value:
                yield node.start_mark.line + 1, value


def extract_catalogue(fileobj, keywords, comment_tags, options):
    """Babel's extraction method for catalog_schemas/*.yaml: yields
    ``(lineno, funcname, message, comments)``."""
    kind = options.get("kind") or kind_of(getattr(fileobj, "name", ""))
    if kind is None:
        return
    text = fileobj.read()
    if isinstance(text, bytes):
        text = text.decode(options.get("encoding", "utf-8"))
    for lineno, label in labels(text, kind):
        yield lineno, "_", label, []
