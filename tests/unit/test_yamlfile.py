"""disclosure.yamlfile: libyaml reads the project's files into what PyYAML's own parser reads,
and stays a safe loader."""

from pathlib import Path

import pytest
import yaml

from disclosure import yamlfile

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    [
        *ROOT.joinpath("catalog_schemas").rglob("*.yaml"),
        *ROOT.joinpath("disclosure").rglob("*.yaml"),
    ]
)


def test_there_are_files_to_compare():
    assert len(FILES) > 20


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_project_file_reads_the_same_as_with_the_pure_python_parser(path):
    text = path.read_text(encoding="utf-8")
    assert yamlfile.safe_load(text) == yaml.safe_load(text)


def test_it_builds_no_python_objects():
    with pytest.raises(yaml.YAMLError):
        yamlfile.safe_load("!!python/object/apply:os.system ['true']")


def test_a_broken_file_is_a_yaml_error():
    with pytest.raises(yaml.YAMLError):
        yamlfile.safe_load("a: [1, 2\nb: }")
