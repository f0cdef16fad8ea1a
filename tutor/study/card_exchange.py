"""Cards in and out: import a CSV into a deck; export a deck as CSV or as an Anki package.

The CSV has a header row naming at least `front` and `back` (and optionally `kind`: basic,
reversed or cloze; basic when absent); other columns are ignored, so an exported file imports
back as it is. Each row that cannot become a note is reported with its line and the reason.

The Anki package is built with `genanki`. Its deck id, note types and note GUIDs derive from
our ids, so importing a newer export into Anki updates the notes instead of duplicating them.
Cloze notes use Anki's own cloze note type, whose `{{c1::...}}` syntax ours shares.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
from dataclasses import dataclass, field
from uuid import UUID

import genanki
from psycopg import AsyncConnection
from psycopg.rows import class_row

from ingestion.errors import FileTooLarge
from tutor.errors import InvalidInput
from tutor.study import cards
from tutor.study.errors import ClozeWithoutDeletions, DeckNotFound

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
MAX_TEXT = 4000
KINDS = ("basic", "reversed", "cloze")
EXPORT_COLUMNS = ["front", "back", "kind", "source_file", "source_pages", "quote"]


@dataclass(frozen=True)
class Row:
    """A CSV row that can become a note."""

    line: int
    front: str
    back: str
    kind: cards.NoteKind


@dataclass(frozen=True)
class Skipped:
    """A row left out, with its line in the file and why."""

    line: int
    reason: str


@dataclass
class ImportReport:
    """How many rows became notes, and the rows that did not."""

    imported: int = 0
    skipped: list[Skipped] = field(default_factory=list)


def _decoded(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise FileTooLarge(f"A CSV import is limited to {MAX_IMPORT_BYTES:,} bytes.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The CSV file is not UTF-8 text.") from exc


def _row_problem(front: str, back: str, kind: str) -> str | None:
    if not front:
        return "empty_front"
    if len(front) > MAX_TEXT or len(back) > MAX_TEXT:
        return "too_long"
    if kind not in KINDS:
        return "unknown_kind"
    try:
        cards.ordinals(kind, front)
    except ClozeWithoutDeletions:
        return "cloze_without_deletions"
    return None


def parse_csv(data: bytes) -> tuple[list[Row], list[Skipped]]:
    """The rows that can become notes and those that cannot; InvalidInput without a header
    naming `front` and `back`."""
    reader = csv.reader(io.StringIO(_decoded(data), newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    if "front" not in header or "back" not in header:
        raise InvalidInput("The first row must name the columns, with at least front and back.")
    at = {name: header.index(name) for name in ("front", "back", "kind") if name in header}
    rows: list[Row] = []
    skipped: list[Skipped] = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(rows) + len(skipped) >= MAX_IMPORT_ROWS:
            skipped.append(Skipped(line, "too_many_rows"))
            continue
        cell = {name: values[i].strip() if i < len(values) else "" for name, i in at.items()}
        kind = cell.get("kind", "").lower() or "basic"
        problem = _row_problem(cell["front"], cell["back"], kind)
        if problem:
            skipped.append(Skipped(line, problem))
        else:
            rows.append(Row(line, cell["front"], cell["back"], kind))  # type: ignore[arg-type]
    return rows, skipped


@dataclass
class ExportNote:
    """A note as an export writes it."""

    id: UUID
    kind: str
    front: str
    back: str
    filename: str | None
    page_start: int | None
    page_end: int | None
    quote: str | None


DECK_NAME = "SELECT name FROM decks WHERE id = %(deck_id)s AND user_id = %(user_id)s"
NOTES_OF_DECK = """
SELECT id, kind, front, back, filename, page_start, page_end, quote FROM card_notes
WHERE deck_id = %(deck_id)s AND user_id = %(user_id)s
ORDER BY created_at, id
"""
NOTE_KEYS = "SELECT kind, front, back FROM card_notes WHERE deck_id = %(deck_id)s"


async def import_csv(
    conn: AsyncConnection, user_id: UUID, deck_id: UUID, data: bytes
) -> ImportReport:
    """Add the file's rows to the deck as notes; a row the deck already has is skipped."""
    await cards.check_deck(conn, user_id, deck_id)
    rows, skipped = parse_csv(data)
    cur = await conn.execute(NOTE_KEYS, {"deck_id": deck_id})
    seen = {tuple(r) for r in await cur.fetchall()}
    report = ImportReport(skipped=skipped)
    for row in rows:
        if (row.kind, row.front, row.back) in seen:
            report.skipped.append(Skipped(row.line, "duplicate"))
            continue
        seen.add((row.kind, row.front, row.back))
        await cards.create_note(conn, user_id, deck_id, row.kind, row.front, row.back)
        report.imported += 1
    report.skipped.sort(key=lambda s: s.line)
    return report


async def deck_notes(
    conn: AsyncConnection, user_id: UUID, deck_id: UUID
) -> tuple[str, list[ExportNote]]:
    """The deck's name and all its notes, oldest first; DeckNotFound for another's deck."""
    row = await (await conn.execute(DECK_NAME, {"deck_id": deck_id, "user_id": user_id})).fetchone()
    if row is None:
        raise DeckNotFound()
    cur = conn.cursor(row_factory=class_row(ExportNote))
    await cur.execute(NOTES_OF_DECK, {"deck_id": deck_id, "user_id": user_id})
    return str(row[0]), await cur.fetchall()


def pages(note: ExportNote) -> str:
    """`12` or `12-13`; empty without pages."""
    if note.page_start is None:
        return ""
    if note.page_end is None or note.page_end == note.page_start:
        return str(note.page_start)
    return f"{note.page_start}-{note.page_end}"


def to_csv(notes: list[ExportNote]) -> str:
    """The notes as CSV with a header row; `import_csv` reads it back."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for n in notes:
        writer.writerow([n.front, n.back, n.kind, n.filename or "", pages(n), n.quote or ""])
    return out.getvalue()


def anki_id(name: str) -> int:
    """A stable id in the range Anki expects of model and deck ids, from one of ours."""
    digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    return (1 << 30) + digest % (1 << 30)


CARD_CSS = ".card { font-family: sans-serif; font-size: 20px; } .source { font-size: 14px; }"
SOURCE = '<div class="source">{{Source}}</div>'
BASIC = genanki.Model(
    anki_id("spark-tutor:model:basic"),
    "Spark Tutor: basic",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Source"}],
    templates=[
        {
            "name": "Front to back",
            "qfmt": "{{Front}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Back}}' + SOURCE,
        }
    ],
    css=CARD_CSS,
)
REVERSED = genanki.Model(
    anki_id("spark-tutor:model:reversed"),
    "Spark Tutor: reversed",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Source"}],
    templates=[
        BASIC.templates[0],
        {
            "name": "Back to front",
            "qfmt": "{{Back}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Front}}' + SOURCE,
        },
    ],
    css=CARD_CSS,
)


def _html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _source(note: ExportNote) -> str:
    where = " ".join(
        p for p in (note.filename or "", f"p. {pages(note)}" if pages(note) else "") if p
    )
    return _html(f"{where}: “{note.quote}”" if note.quote else where)


def anki_note(note: ExportNote) -> genanki.Note:
    """The note in Anki's form; its GUID is fixed by our note id."""
    guid = genanki.guid_for(str(note.id))
    if note.kind == "cloze":
        extra = "<br>".join(p for p in (_html(note.back), _source(note)) if p)
        return genanki.Note(genanki.CLOZE_MODEL, [_html(note.front), extra], guid=guid)
    model = REVERSED if note.kind == "reversed" else BASIC
    return genanki.Note(model, [_html(note.front), _html(note.back), _source(note)], guid=guid)


def to_apkg(deck_id: UUID, name: str, notes: list[ExportNote]) -> bytes:
    """The deck as an Anki package (.apkg), ready to import into Anki."""
    deck = genanki.Deck(anki_id(f"spark-tutor:deck:{deck_id}"), name or "Spark Tutor")
    for note in notes:
        deck.add_note(anki_note(note))
    out = io.BytesIO()
    genanki.Package(deck).write_to_file(out)
    return out.getvalue()
