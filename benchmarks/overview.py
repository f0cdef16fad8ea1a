"""Document overviews: what they cost against ingesting the document, and what they say.

    python benchmarks/overview.py [--data-dir DIR] [--show amt_handbook_sample.pdf ...]

Every PDF and DOCX file under ../shared/data/documents/educational and layout (the tricky/
folder is left out) goes through `accept_upload` and the real pipeline (`pipeline.ingest`, with
the worker's own deps), one after another for one fresh user, so later documents have the
earlier ones as "other documents" for the concepts' idf. The pipeline makes each overview
before marking the document ready; its own time (`computed_ms`: reading and computing) is read
back, and the overview is then made and stored again `--repeats` times (`build_overview` +
`save_overview` on a pooled connection, committed on its own, where the pipeline stores it in
the transaction that marks the document ready) for a steadier and slightly pessimistic figure.
Ingestion time is the pipeline's wall time less its overview. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from accounts import delete_user, fresh_user
from run_info import cpu_summary, print_load, source_state

from ingestion.embedding import bundled_model_path
from ingestion.overview import Overview, build_overview, get_overview, save_overview
from ingestion.pipeline import IngestionDeps, ingest
from ingestion.summary import is_informative, sentences
from ingestion.uploads import UploadLimits, accept_upload
from tutor.errors import OverviewNotReady
from tutor.resources import opened
from tutor.runtime.services import services
from tutor.runtime.worker import worker_deps, worker_pool_size
from tutor.settings import Settings

DOCUMENTS = Path(__file__).resolve().parents[1].parent / "shared/data/documents"
FOLDERS = ("educational", "layout")
SUFFIXES = (".pdf", ".docx")
DEFAULT_SHOW = ("amt_handbook_sample.pdf", "R-intro.pdf", "multi_page.pdf")
TARGET = 0.10

CHUNKS = "SELECT text FROM chunks WHERE document_id = %(id)s ORDER BY ordinal"
PAGES = "SELECT pages_total FROM documents WHERE id = %(id)s"


@dataclass
class FileRun:
    """One document: its ingestion and its overview, timed."""

    name: str
    status: str
    pages: int | None
    chunks: int
    ingest_s: float  # upload + pipeline, less the pipeline's own overview
    pipeline_ms: float  # the overview as the pipeline made it
    again_ms: list[float]  # made and stored again, each time
    sentence_embed_ms: float  # the alternative: embedding the document's usable sentences
    overview: Overview | None

    @property
    def overview_ms(self) -> float:
        """The median of the repeated runs (the pipeline's own when there were none)."""
        return statistics.median(self.again_ms) if self.again_ms else self.pipeline_ms

    @property
    def ratio(self) -> float:
        """Overview time over ingestion time."""
        return self.overview_ms / 1000 / self.ingest_s if self.ingest_s else 0.0


def document_files(data_dir: Path) -> list[Path]:
    """The PDF and DOCX files of the chosen folders, in name order per folder."""
    return [
        path
        for folder in FOLDERS
        for path in sorted((data_dir / folder).iterdir())
        if path.suffix.lower() in SUFFIXES
    ]


async def measure(
    deps: IngestionDeps, owner_id: UUID, path: Path, limits: UploadLimits, repeats: int
) -> FileRun:
    """Upload and ingest one file, then make its overview again `repeats` times."""
    started = time.perf_counter()
    async with deps.pool.connection() as conn:
        result = await accept_upload(
            conn, None, owner_id, path.name, path.read_bytes(), limits=limits
        )
    status = await ingest(deps, result.document.id)
    wall = time.perf_counter() - started
    document_id = result.document.id
    async with deps.pool.connection() as conn:
        texts = [
            row[0] for row in await (await conn.execute(CHUNKS, {"id": document_id})).fetchall()
        ]
        pages = (await (await conn.execute(PAGES, {"id": document_id})).fetchone() or [None])[0]
        try:
            made = await get_overview(conn, owner_id, document_id)
        except OverviewNotReady:  # the pipeline logged why
            made = None
    again = []
    for _ in range(repeats if made else 0):
        began = time.perf_counter()
        async with deps.pool.connection() as conn:
            made = await build_overview(conn, owner_id, document_id)
            await save_overview(conn, owner_id, made)
        again.append((time.perf_counter() - began) * 1000)
    pipeline_ms = made.computed_ms if made else 0.0
    return FileRun(
        path.name,
        status,
        pages,
        len(texts),
        wall - pipeline_ms / 1000,
        pipeline_ms,
        again,
        await time_sentence_embedding(deps, texts),
        made,
    )


async def time_sentence_embedding(deps: IngestionDeps, texts: Sequence[str]) -> float:
    """Milliseconds to embed every usable sentence of the chunks: what centrality over
    sentences instead of chunks would add to each document."""
    usable = sorted({s for text in texts for s in sentences(text) if is_informative(s)})
    if not usable:
        return 0.0
    began = time.perf_counter()
    await asyncio.to_thread(deps.embedder.embed, usable)
    return (time.perf_counter() - began) * 1000


def print_table(runs: Sequence[FileRun], repeats: int) -> None:
    """One line a document, then the totals."""
    print(
        f"\n{'file':<34}{'pages':>6}{'chunks':>7}{'ingest s':>9}{'pipe ms':>9}"
        f"{'again ms':>9}{'ratio':>8}{'sent.':>6}{'conc.':>6}{'sent-emb ms':>12}"
    )
    for r in runs:
        sentences_n = len(r.overview.summary) if r.overview else 0
        concepts_n = len(r.overview.concepts) if r.overview else 0
        flag = "" if r.status == "ready" else f"  !! {r.status}"
        print(
            f"{r.name[:33]:<34}{r.pages or 'n/a':>6}{r.chunks:>7}{r.ingest_s:9.2f}"
            f"{r.pipeline_ms:9.1f}{r.overview_ms:9.1f}{r.ratio:8.1%}{sentences_n:>6}"
            f"{concepts_n:>6}{r.sentence_embed_ms:12.1f}{flag}"
        )
    ingest_s = sum(r.ingest_s for r in runs)
    overview_s = sum(r.overview_ms for r in runs) / 1000
    worst = max(runs, key=lambda r: r.ratio)
    print(
        f"{'TOTAL':<34}{'':>6}{sum(r.chunks for r in runs):>7}{ingest_s:9.2f}"
        f"{sum(r.pipeline_ms for r in runs):9.1f}{overview_s * 1000:9.1f}"
        f"{overview_s / ingest_s:8.1%}{'':>6}{'':>6}{sum(r.sentence_embed_ms for r in runs):12.1f}"
    )
    print(
        f"ingest s = upload + pipeline, less its overview; pipe ms = the overview inside the "
        f"pipeline;\nagain ms = median of {repeats} more (read, compute, store, commit); "
        f"ratio = again / ingest;\nsent. / conc. = summary sentences / concepts; sent-emb ms = "
        f"embedding every usable sentence instead (not done; for comparison)."
    )
    print(
        f"overview / ingestion: all files {overview_s / ingest_s:.1%}, worst {worst.name} "
        f"{worst.ratio:.1%}, files over {TARGET:.0%}: "
        f"{sum(r.ratio >= TARGET for r in runs)} of {len(runs)}  (target < {TARGET:.0%} each)"
    )


def print_overview(run: FileRun) -> None:
    """A document's summary and concepts, as the page shows them."""
    print(f"\n== {run.name} ==")
    if run.overview is None:
        print("  (no overview)")
        return
    for sentence in run.overview.summary:
        pages = f" (p. {sentence.page_start}" if sentence.page_start is not None else ""
        if pages and sentence.page_end != sentence.page_start:
            pages += f"-{sentence.page_end}"
        print(f"  - {sentence.text}{pages + ')' if pages else ''}")
    concepts = ", ".join(f"{c.term} ({c.weight:.2f})" for c in run.overview.concepts)
    print(f"  concepts: {concepts}")


async def run(args: argparse.Namespace) -> None:
    """Every file, one after another, for one fresh user on its own embedded stack."""
    paths = [p for p in document_files(args.data_dir) if not args.files or p.name in args.files]
    settings = Settings(data_dir=args.bench_dir)
    with services(settings) as live:
        async with (
            opened(live, pool_size=worker_pool_size(live), redis=True, embedder=True) as resources,
            worker_deps(resources) as deps,
        ):
            print(f"cpu: {cpu_summary()}")
            print(
                f"embedder: {bundled_model_path()} on {getattr(deps.embedder, 'backend', '?')} "
                f"in {getattr(deps.embedder, 'precision', 'f32')}"
            )
            print(f"source: {source_state()}")
            print_load("at start")
            deps.embedder.embed(["warm up the model before anything is timed"])
            limits = UploadLimits(live.max_upload_bytes, live.max_documents_per_user)
            owner = await fresh_user(deps, "bench-overview")
            try:
                runs = []
                for path in paths:
                    print(f"ingesting {path.parent.name}/{path.name} ...", flush=True)
                    runs.append(await measure(deps, owner, path, limits, args.repeats))
                print_table(runs, args.repeats)
                for run_ in runs:
                    if run_.name in args.show:
                        print_overview(run_)
            finally:
                await delete_user(deps, owner)
            print_load("at end")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DOCUMENTS, help="holds the folders")
    parser.add_argument("--files", nargs="*", default=[], help="only these file names")
    parser.add_argument("--show", nargs="*", default=list(DEFAULT_SHOW), help="print these")
    parser.add_argument("--repeats", type=int, default=5, help="overviews made again per file")
    parser.add_argument(
        "--bench-dir",
        type=Path,
        default=Path("/tmp/bench-data/overview"),
        help="TUTOR_DATA_DIR for the embedded Postgres and Redis",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
