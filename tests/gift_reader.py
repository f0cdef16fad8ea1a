"""A small reader of Moodle GIFT text for the export tests, strict where GIFT is: a markup
character (`~ = # { } :`) met unescaped inside a text is an error, not a guess."""

from __future__ import annotations

from dataclasses import dataclass

SPECIAL = set("~=#{}:")
Token = tuple[str, bool]  # a character, and whether it came escaped


@dataclass
class GiftQuestion:
    """One question block, its texts unescaped."""

    comments: list[str]
    title: str
    text: str
    right: list[str]
    wrong: list[str]
    feedback: str


def tokens(text: str) -> list[Token]:
    """The characters of `text`, escapes resolved (`\\n` is a newline)."""
    out: list[Token] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            escaped = next(chars)
            out.append(("\n" if escaped == "n" else escaped, True))
        else:
            out.append((char, False))
    return out


def find(toks: list[Token], marker: str, start: int = 0) -> int:
    """Where the unescaped `marker` first occurs at or after `start`; -1 when it does not."""
    for at in range(start, len(toks) - len(marker) + 1):
        window = toks[at : at + len(marker)]
        if all(
            not escaped and char == m for (char, escaped), m in zip(window, marker, strict=True)
        ):
            return at
    return -1


def literal(toks: list[Token]) -> str:
    """A text field's value; fails on an unescaped markup character or a raw newline."""
    raw = [char for char, escaped in toks if not escaped and (char in SPECIAL or char == "\n")]
    assert not raw, f"unescaped {raw} in {''.join(c for c, _ in toks)!r}"
    return "".join(char for char, _ in toks).strip()


def answer_literal(toks: list[Token]) -> str:
    """An answer's or the feedback's value: raw newlines between answers are only layout."""
    return literal([t for t in toks if t != ("\n", False)])


def answers(toks: list[Token]) -> tuple[list[str], list[str], str]:
    """Right answers, wrong answers and the general feedback of a `{...}` body."""
    feedback_at = find(toks, "####")
    feedback = answer_literal(toks[feedback_at + 4 :]) if feedback_at >= 0 else ""
    body = toks[:feedback_at] if feedback_at >= 0 else toks
    marks = [i for i, (char, escaped) in enumerate(body) if char in "=~" and not escaped]
    assert marks, "no answer in the braces"
    assert not "".join(char for char, _ in body[: marks[0]]).strip(), "text before the answers"
    right: list[str] = []
    wrong: list[str] = []
    for n, at in enumerate(marks):
        end = marks[n + 1] if n + 1 < len(marks) else len(body)
        text = answer_literal(body[at + 1 : end])
        (right if body[at][0] == "=" else wrong).append(text)
    return right, wrong, feedback


def question(block: str) -> GiftQuestion:
    """One block: `//` comment lines, then `::title::text{answers}`."""
    lines = block.split("\n")
    comments = [line[2:].strip() for line in lines if line.startswith("//")]
    toks = tokens("\n".join(line for line in lines if not line.startswith("//")))
    assert find(toks, "::") == 0, block
    title_end = find(toks, "::", 2)
    opening = find(toks, "{", title_end + 2)
    closing = find(toks, "}", opening)
    assert min(title_end, opening, closing) > 0, block
    assert not "".join(char for char, _ in toks[closing + 1 :]).strip(), block
    right, wrong, feedback = answers(toks[opening + 1 : closing])
    title, text = literal(toks[2:title_end]), literal(toks[title_end + 2 : opening])
    return GiftQuestion(comments, title, text, right, wrong, feedback)


def read(gift: str) -> list[GiftQuestion]:
    """Every question of a GIFT file; blocks are separated by blank lines."""
    blocks = [b.strip("\n") for b in gift.replace("\r\n", "\n").split("\n\n")]
    return [question(b) for b in blocks if b.strip()]
