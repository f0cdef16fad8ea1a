"""Versioned prompt files: loading by name and version, strict variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.chat.prompt_set import PromptSet
from tutor.errors import PromptError
from tutor.llm.prompts import load_prompt, versions

PROMPT = """---
name: greet
version: {version}
description: test
variables: [who]
max_tokens: 50
---
## system
Be brief.

## user
Hello {{{{ who }}}}!
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "greet").mkdir()
    for version in (1, 2):
        (tmp_path / "greet" / f"v{version}.md").write_text(PROMPT.format(version=version))
    return tmp_path


def test_newest_version_by_default_and_pinned_on_request(folder):
    assert versions("greet", folder) == [1, 2]
    assert load_prompt("greet", folder).version == 2
    assert load_prompt("greet@v1", folder).ref == "greet@v1"
    assert load_prompt("greet@1", folder).max_tokens == 50


def test_render_fills_variables(folder):
    messages = load_prompt("greet", folder).render(who="Ada")
    assert messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello Ada!"},
    ]


def test_missing_or_unknown_variable_is_an_error(folder):
    prompt = load_prompt("greet", folder)
    with pytest.raises(PromptError, match="missing \\['who'\\]"):
        prompt.render()
    with pytest.raises(PromptError, match="unexpected \\['whom'\\]"):
        prompt.render(who="Ada", whom="Bob")


def test_bad_references_and_files(folder):
    with pytest.raises(PromptError):
        load_prompt("greet@v9", folder)
    with pytest.raises(PromptError):
        load_prompt("nope", folder)
    (folder / "greet" / "v3.md").write_text("no front matter")
    with pytest.raises(PromptError, match="front matter"):
        load_prompt("greet@v3", folder)


def test_shipped_prompts_load_and_render():
    prompts = PromptSet.load()
    assert prompts.answer.render(sources="[1] x", question="q", history="")[1]["content"]
    assert "NOT_IN_NOTES" in prompts.answer.system
    for name in PromptSet.__dataclass_fields__:
        assert getattr(prompts, name).name == name
