"""Scripted tutor replies built from the sources the engine actually put in the prompt.

Which passage retrieval ranks first depends on the embedding model, so a practice question
whose key must be stated in its source is written from source [1] as the prompt shows it.
"""

from __future__ import annotations

import json
import re

from tutor.llm.chat_model import ChatMessage

SOURCE_ONE = re.compile(r"^\[1\] \([^\n]*\)\n(.*?)(?=\n\n\[\d+\] \(|\Z)", re.S | re.M)
FILLERS = ["Photosynthesis", "Mitochondria", "Thermodynamics", "Archipelago"]


def source_one(messages: list[ChatMessage]) -> str:
    """The text of source [1] in the prompt."""
    prompt = "\n".join(m["content"] for m in messages)
    match = SOURCE_ONE.search(prompt)
    assert match, f"no source [1] in the prompt:\n{prompt[:2000]}"
    return match.group(1)


def key_word(text: str) -> str:
    """The longest word of `text`: distinctive enough to be a question's key."""
    return max(re.findall(r"[A-Za-z]{5,}", text), key=len)


def practice_from_source_one(messages: list[ChatMessage]) -> str:
    """One multiple-choice question whose key is a word of source [1], as JSON."""
    answer = key_word(source_one(messages))
    options = [answer, *[f for f in FILLERS if f.lower() != answer.lower()][:3]]
    question = {
        "kind": "multiple_choice",
        "question": "Which of these words does the first passage use?",
        "options": options,
        "answer": answer,
        "explanation": f"The passage uses the word {answer}.",
        "source": 1,
    }
    return json.dumps({"questions": [question]})
