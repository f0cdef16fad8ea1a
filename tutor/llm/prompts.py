"""Versioned prompt files: `prompts/<name>/v<N>.md`, front matter plus `## system`/`## user`.

The tutor and the evals load the very same objects, and every message records the name and
version that produced it, so two versions can be compared on equal terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from tutor.errors import PromptError
from tutor.llm.chat_model import ChatMessage

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "prompts"
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)
SECTION = re.compile(r"^## (system|user)\s*$", re.MULTILINE)
REFERENCE = re.compile(r"\A([a-z][a-z0-9_-]*)(?:@v?(\d+))?\Z")

_jinja = jinja2.Environment(
    undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
)


@lru_cache(maxsize=256)
def _compiled(source: str) -> jinja2.Template:
    """A template compiled once: compiling took longer than rendering, on every ask."""
    return _jinja.from_string(source)


@dataclass(frozen=True)
class Prompt:
    """One version of one prompt, ready to render into chat messages."""

    name: str
    version: int
    description: str
    variables: frozenset[str]
    system: str
    user: str
    max_tokens: int = 512
    temperature: float = 0.2
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def ref(self) -> str:
        """`name@vN`, as stored with each message and accepted by `load_prompt`."""
        return f"{self.name}@v{self.version}"

    def render(self, **values: Any) -> list[ChatMessage]:
        """System and user messages; every declared variable must be given, and only those."""
        missing = self.variables - values.keys()
        unknown = values.keys() - self.variables
        if missing or unknown:
            raise PromptError(
                f"Prompt {self.ref}: missing {sorted(missing)}, unexpected {sorted(unknown)}"
            )
        try:
            return [
                {"role": "system", "content": _compiled(self.system).render(values)},
                {"role": "user", "content": _compiled(self.user).render(values)},
            ]
        except jinja2.UndefinedError as exc:
            raise PromptError(f"Prompt {self.ref}: {exc.message}") from exc


def parse_prompt(text: str, source: str) -> Prompt:
    """A Prompt from a file's text; `source` names the file in errors."""
    match = FRONT_MATTER.match(text)
    if not match:
        raise PromptError(f"{source}: no front matter (--- ... ---) at the top")
    meta = yaml.safe_load(match.group(1)) or {}
    parts = SECTION.split(match.group(2))
    sections = dict(zip(parts[1::2], (p.strip() for p in parts[2::2]), strict=True))
    if set(sections) != {"system", "user"}:
        raise PromptError(f"{source}: needs exactly one '## system' and one '## user' section")
    try:
        return Prompt(
            name=str(meta.pop("name")),
            version=int(meta.pop("version")),
            description=str(meta.pop("description", "")),
            variables=frozenset(meta.pop("variables", [])),
            system=sections["system"],
            user=sections["user"],
            max_tokens=int(meta.pop("max_tokens", 512)),
            temperature=float(meta.pop("temperature", 0.2)),
            extra=meta,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PromptError(f"{source}: bad front matter ({exc!r})") from exc


def versions(name: str, folder: Path = DEFAULT_DIR) -> list[int]:
    """The versions on disk of one prompt, ascending."""
    found = (re.fullmatch(r"v(\d+)\.md", f.name) for f in (folder / name).glob("v*.md"))
    return sorted(int(m.group(1)) for m in found if m)


def load_prompt(reference: str, folder: Path = DEFAULT_DIR) -> Prompt:
    """`answer` (newest version) or `answer@v2` / `answer@2` (that version)."""
    match = REFERENCE.match(reference.strip())
    if not match:
        raise PromptError(f"Bad prompt reference {reference!r}; use NAME or NAME@vN")
    name, version = match.group(1), match.group(2)
    if version is None:
        available = versions(name, folder)
        if not available:
            raise PromptError(f"No prompt named {name!r} under {folder}")
        version = str(available[-1])
    return _load_file(folder / name / f"v{version}.md")


@cache
def _load_file(path: Path) -> Prompt:
    if not path.is_file():
        raise PromptError(f"No prompt file {path}")
    prompt = parse_prompt(path.read_text(encoding="utf-8"), str(path))
    if f"v{prompt.version}.md" != path.name or prompt.name != path.parent.name:
        raise PromptError(f"{path}: front matter says {prompt.ref}, the path disagrees")
    return prompt
