"""Mastery of a document: how much of it the student would recall now.

Two kinds of evidence, each in [0, 1]:
- **cards**: the mean FSRS retrievability now of the cards sourced from the document (a card
  never reviewed counts 0; a stale card is left out): R = (1 + F·t/S)^-d, with t whole days
  since the last review, S the card's stability, d the user's decay (FSRS-6 parameter w20) and
  F = 0.9^(-1/d) - 1 (so that R = 0.9 when t = S);
- **practice**: the recency-weighted share of the document's practice answers that were right,
  each answer weighing 0.5^(age in days / 14) (an answer two weeks old counts half);
and mastery = (n·R̄ + W·P) / (n + W): n cards and W, the summed weights of the answers, so each
kind counts by how much evidence it has. A document with neither has no mastery (not 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from fsrs.scheduler import FSRS_DEFAULT_DECAY
from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor.study.exam_cap import factor

PRACTICE_HALF_LIFE_DAYS = 14.0
# FSRS-6's default w20, for students whose parameters were never fitted.
DEFAULT_DECAY = FSRS_DEFAULT_DECAY


def combined(
    cards: int, recall: float | None, weight: float, accuracy: float | None
) -> float | None:
    """Mastery from the two kinds of evidence; None when there is none."""
    n = cards if recall is not None else 0
    w = weight if accuracy is not None else 0.0
    if n + w <= 0:
        return None
    return (n * (recall or 0.0) + w * (accuracy or 0.0)) / (n + w)


@dataclass(frozen=True, slots=True)
class DocumentMastery:
    """One document's mastery and the evidence behind it."""

    document_id: UUID
    filename: str
    cards: int
    recall: float | None
    practice_weight: float
    practice_accuracy: float | None
    answers: int

    @property
    def mastery(self) -> float | None:
        return combined(self.cards, self.recall, self.practice_weight, self.practice_accuracy)


MASTERY = """
WITH card_recall AS (
    SELECT n.document_id, count(*) AS cards,
           avg(CASE WHEN c.last_review_at IS NULL OR c.stability IS NULL THEN 0
                    ELSE power(1 + %(factor)s
                               * greatest(0, floor(extract(epoch FROM %(now)s - c.last_review_at)
                                                   / 86400)) / c.stability,
                               -%(decay)s) END) AS recall
    FROM cards c JOIN card_notes n ON n.id = c.note_id
    WHERE c.user_id = %(user_id)s AND n.user_id = %(user_id)s
      AND n.document_id IS NOT NULL AND n.stale_reason IS NULL
      AND (%(document_id)s::uuid IS NULL OR n.document_id = %(document_id)s)
    GROUP BY n.document_id
), answers AS (
    SELECT document_id, count(*) AS answers, sum(w) AS weight,
           sum(w * correct::int) / nullif(sum(w), 0) AS accuracy
    FROM (SELECT document_id, correct,
                 power(0.5, greatest(0, extract(epoch FROM %(now)s - answered_at)) / 86400
                            / %(half_life)s) AS w
          FROM practice_attempts
          WHERE user_id = %(user_id)s AND correct IS NOT NULL AND document_id IS NOT NULL
            AND (%(document_id)s::uuid IS NULL OR document_id = %(document_id)s)) a
    GROUP BY document_id
)
SELECT d.id AS document_id, d.filename, coalesce(cr.cards, 0)::int AS cards,
       cr.recall::float8 AS recall, coalesce(a.weight, 0)::float8 AS practice_weight,
       a.accuracy::float8 AS practice_accuracy, coalesce(a.answers, 0)::int AS answers
FROM documents d
LEFT JOIN card_recall cr ON cr.document_id = d.id
LEFT JOIN answers a ON a.document_id = d.id
WHERE d.owner_id = %(user_id)s AND (cr.document_id IS NOT NULL OR a.document_id IS NOT NULL)
  AND (%(document_id)s::uuid IS NULL OR d.id = %(document_id)s)
ORDER BY d.filename, d.id
"""


async def mastery_by_document(
    conn: AsyncConnection,
    user_id: UUID,
    now: datetime,
    decay: float = DEFAULT_DECAY,
    document_id: UUID | None = None,
) -> list[DocumentMastery]:
    """Each of the user's documents with any evidence (or only `document_id`), with its
    mastery's parts."""
    cur = conn.cursor(row_factory=class_row(DocumentMastery))
    params = {
        "user_id": user_id,
        "document_id": document_id,
        "now": now,
        "decay": decay,
        "factor": factor(decay),
        "half_life": PRACTICE_HALF_LIFE_DAYS,
    }
    await cur.execute(MASTERY, params)
    return await cur.fetchall()


USER_DECAY = "SELECT parameters[21] FROM fsrs_parameters WHERE user_id = %(user_id)s"


async def user_decay(conn: AsyncConnection, user_id: UUID) -> float:
    """The user's own w20 once the optimizer has fitted it, else FSRS-6's default."""
    cur = await conn.execute(USER_DECAY, {"user_id": user_id})
    row = await cur.fetchone()
    return float(row[0]) if row and row[0] else DEFAULT_DECAY
