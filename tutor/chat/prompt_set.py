"""The prompt version behind each step of the tutor; evals swap versions here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tutor.llm.prompts import DEFAULT_DIR, Prompt, load_prompt


@dataclass(frozen=True)
class PromptSet:
    """The prompt used for each step of a tutor turn."""

    answer: Prompt
    answerable: Prompt  # the yes/no probe before an answer (tutor/chat/answerability.py)
    explain: Prompt
    general: Prompt
    hint: Prompt
    solve: Prompt
    practice: Prompt
    distractors: Prompt  # new distractors for a practice item whose own were weak
    verify: Prompt  # the blind check of a practice item's key

    @classmethod
    def load(cls, overrides: dict[str, str] | None = None, folder: Path | None = None) -> PromptSet:
        """The newest version of each prompt, or the `name@vN` given in `overrides`."""
        refs = {name: name for name in cls.__dataclass_fields__} | (overrides or {})
        where = folder or DEFAULT_DIR
        return cls(**{name: load_prompt(ref, where) for name, ref in refs.items()})
