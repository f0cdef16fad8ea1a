"""Scripted tutor replies built from what the engine actually put in the prompt.

Which passage retrieval ranks first, and which sentence of it anchors a practice question,
depend on the embedding model; so a practice draft is written from the sentence its prompt
shows (its key is the sentence's longest word), and the blind verifier picks the option its
context states.
"""

from __future__ import annotations

import json
import re

from tutor.llm.chat_model import ChatMessage

SOURCE_ONE = re.compile(r"^\[1\] \([^\n]*\)\n(.*?)(?=\n\n\[\d+\] \(|\Z)", re.S | re.M)
ANCHOR = re.compile(r"^Sentence: (.*)$", re.M)
VERIFIED_SOURCE = re.compile(r"written from:\n(.*?)\n", re.S)
OPTION = re.compile(r"^([A-D])\. (.*)$", re.M)
FILLERS = ["Photosynthesis", "Mitochondria", "Thermodynamics", "Archipelago", "Volcano", "Symphony"]
USED = re.compile(r"^Options already used: (.*)$", re.M)
QUESTION = "Which of these words appears in your notes on this topic?"


def source_one(messages: list[ChatMessage]) -> str:
    """The text of source [1] in the prompt."""
    prompt = "\n".join(m["content"] for m in messages)
    match = SOURCE_ONE.search(prompt)
    assert match, f"no source [1] in the prompt:\n{prompt[:2000]}"
    return match.group(1)


def key_word(text: str) -> str:
    """The longest word of `text`: distinctive enough to be a question's key."""
    return max(re.findall(r"[A-Za-z]{5,}", text), key=len)


def anchor_of(messages: list[ChatMessage]) -> str | None:
    """The sentence a practice draft prompt asks about, or None for another prompt."""
    match = ANCHOR.search(messages[-1]["content"])
    return match.group(1) if match else None


def draft(answer: str, distractors: list[str], question: str = QUESTION) -> str:
    """A practice draft as the model writes it."""
    return json.dumps({"question": question, "answer": answer, "distractors": distractors})


def draft_from_anchor(messages: list[ChatMessage]) -> str:
    """A sound draft on the prompt's anchor: its longest word, and three fillers."""
    anchor = anchor_of(messages)
    assert anchor, f"not a practice draft prompt: {messages}"
    answer = key_word(anchor)
    # Not words of the anchor: the writer replaces a distractor its anchor states.
    return draft(answer, [f for f in FILLERS if f.lower() not in anchor.lower()][:3])


def verify_by_source(messages: list[ChatMessage]) -> str:
    """The verifier's pick: the option that is the longest word of the source it is shown."""
    context = VERIFIED_SOURCE.search(messages[0]["content"])
    assert context, f"not a verify prompt: {messages}"
    wanted = key_word(context.group(1)).lower()
    options = OPTION.findall(messages[-1]["content"])
    letter = next((letter for letter, text in options if text.lower() == wanted), "A")
    return json.dumps({"answer": letter})


def new_distractors(messages: list[ChatMessage]) -> str:
    """Three fillers not among the options already used."""
    used = USED.search(messages[-1]["content"])
    assert used, f"not a distractors prompt: {messages}"
    taken = {o.lower() for o in json.loads(used.group(1))}
    return json.dumps({"distractors": [f for f in FILLERS if f.lower() not in taken][:3]})


def practice_reply(messages: list[ChatMessage]) -> str:
    """Any call of the practice writer: a sound draft, new distractors, or the verifier's pick
    of its key."""
    if anchor_of(messages) is not None:
        return draft_from_anchor(messages)
    if USED.search(messages[-1]["content"]):
        return new_distractors(messages)
    return verify_by_source(messages)


def drafted_keys(calls: list[list[ChatMessage]]) -> list[str]:
    """The keys of the drafts `practice_reply` wrote, in order."""
    return [key_word(anchor) for call in calls if (anchor := anchor_of(call))]
