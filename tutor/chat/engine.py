"""The tutor engine: retrieve from the student's notes, prompt the model, check, stream, save.

Every answer is built only from the asking student's own chunks (the search is owner-scoped
in SQL). Before the model answers, it is asked whether the sources state the answer at all
(tutor/chat/answerability.py); citations are checked against the sentence they close as they
stream; a model that finds nothing in the sources says so; hints are checked against a
privately obtained answer, and practice items against their source. Each message records the
prompt version and model behind it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from uuid import UUID

import numpy as np
import psycopg
from psycopg_pool import AsyncConnectionPool

from ingestion.embedding import Embedder
from retrieval.relevance import search_with_evidence
from retrieval.search import SearchParams, embed_query
from tutor.chat import conversations, hints, practice_writer
from tutor.chat.answerability import (
    RelevanceGate,
    answerable_probability,
    answerable_threshold,
)
from tutor.chat.asks import Ask, Mode
from tutor.chat.best_passage import best_passage
from tutor.chat.citation_check import CitationCheck
from tutor.chat.citations import CitationFilter
from tutor.chat.context import ChatContext
from tutor.chat.grounding import (
    Source,
    attribute,
    citation,
    estimate_tokens,
    format_sources,
    select_sources,
)
from tutor.chat.prompt_set import PromptSet
from tutor.chat.reply import Emit, Reply
from tutor.chat.sharp_context import Sentence, pack, score_sentences
from tutor.chat.stream_filters import SentinelFilter
from tutor.classes import materials
from tutor.errors import TutorError
from tutor.events import Event, error_event, error_of
from tutor.llm.chat_model import ChatMessage, ChatModel
from tutor.llm.prompts import Prompt
from tutor.settings import Settings
from tutor.study.record import StudyEvent, record

log = logging.getLogger(__name__)

DECLINE = "Your notes don't seem to cover this."
GENERAL_LABEL = "\n\n**General answer (not from your notes):** "
INTERNAL_ERROR = "internal_error"
# Tokens kept free for the system prompt, the question and formatting around the sources.
PROMPT_OVERHEAD_TOKENS = 400


class TutorEngine:
    """Produces assistant messages; one engine serves every user of the process."""

    def __init__(
        self,
        pool: AsyncConnectionPool,
        embedder: Embedder,
        model: ChatModel,
        settings: Settings,
        prompts: PromptSet | None = None,
    ) -> None:
        self.pool, self.embedder, self.model, self.settings = pool, embedder, model, settings
        self.prompts = prompts or PromptSet.load(folder=settings.prompts_dir)
        self.context = ChatContext(pool, embedder, model, self.prompts)
        self.gate = RelevanceGate(
            settings.tutor_min_similarity,
            settings.tutor_min_lexical_share,
            settings.tutor_lexical_floor,
        )

    async def open(self, owner_id: UUID, ask: Ask, message_id: UUID) -> UUID:
        """Record the question and a 'generating' answer; returns the conversation id."""
        async with self.pool.connection() as conn:
            conversation_id = await conversations.open_conversation(
                conn, owner_id, ask.conversation_id, ask.text
            )
            common = {"conversation_id": conversation_id, "owner_id": owner_id, "mode": ask.mode}
            question_id = await conversations.add_message(
                conn, role="user", content=ask.text, **common
            )
            # In the learning record (it earns no streak day and no XP: asking is not studying).
            await record(
                conn,
                StudyEvent(
                    owner_id,
                    "tutor_question",
                    str(question_id),
                    datetime.now(UTC),
                    detail={"mode": ask.mode},
                ),
            )
            await conversations.add_message(
                conn,
                id=message_id,
                role="assistant",
                status="generating",
                model_id=self.model.model_id,
                **common,
            )
        return conversation_id

    async def respond(self, owner_id: UUID, ask: Ask, message_id: UUID, emit: Emit) -> None:
        """Open the turn, then `run` it; a refused turn (say, no such conversation) ends at once."""
        started = time.perf_counter()
        # The query embedding is computed while the turn is written: both sit before the
        # first token, neither needs the other.
        embedding = asyncio.create_task(embed_query(self.embedder, ask.text))
        try:
            conversation_id = await self.open(owner_id, ask, message_id)
        except TutorError as exc:
            emit(error_of(exc))
            emit(Event.of("done", message_id=str(message_id), status="failed"))
            return
        finally:
            if not embedding.done():
                await asyncio.wait([embedding])
        await self.run(
            owner_id,
            ask,
            message_id,
            conversation_id,
            emit,
            embedding=embedding.result(),
            started=started,
        )

    async def run(
        self,
        owner_id: UUID,
        ask: Ask,
        message_id: UUID,
        conversation_id: UUID,
        emit: Emit,
        *,
        embedding: np.ndarray | None = None,
        started: float | None = None,
    ) -> Reply:
        """Produce the message, streaming protocol events to `emit`; always saves it."""
        reply = Reply(message_id, conversation_id, owner_id, ask.mode, self.model.model_id, emit)
        reply.max_output_tokens = self.settings.tutor_max_output_tokens
        reply.query_embedding = embedding
        reply.started = started or reply.started
        emit(
            Event.of(
                "start",
                message_id=str(message_id),
                conversation_id=str(conversation_id),
                mode=ask.mode.value,
            )
        )
        try:
            await self._produce(reply, ask)
        except asyncio.CancelledError:
            reply.status = "cancelled"
            raise
        except TutorError as exc:
            reply.status, reply.error_code = "failed", exc.code
            emit(error_of(exc))
        except Exception:
            # A bug, or a model adapter letting its client's error through: the answer is
            # cut, so it is saved and announced as failed, never as complete; the task logs it.
            reply.status, reply.error_code = "failed", INTERNAL_ERROR
            emit(error_event(INTERNAL_ERROR, "Something went wrong writing this answer."))
            raise
        finally:
            await asyncio.shield(self._save(reply))
            emit(reply.done_event())
        return reply

    async def _produce(self, reply: Reply, ask: Ask) -> None:
        if ask.mode is Mode.HINT:
            sources = await self._retrieve(reply, ask, self.prompts.hint)
            await hints.write_hint(self.context, reply, ask, sources)
        elif ask.mode is Mode.PRACTICE:
            sources = await self._retrieve(reply, ask, self.prompts.practice, k_factor=2)
            await practice_writer.write_practice(self.context, reply, ask, sources)
        else:
            await self._grounded_answer(reply, ask)

    async def _retrieve(
        self, reply: Reply, ask: Ask, prompt: Prompt, k_factor: int = 1
    ) -> list[Source]:
        """The relevant chunks for the ask, of the owner's notes and their classes' materials,
        within the prompt's share of the context."""
        started = time.perf_counter()
        embedding = reply.query_embedding
        if embedding is None:
            embedding = reply.query_embedding = await embed_query(self.embedder, ask.text)
        k = self.settings.tutor_top_k * k_factor
        params = SearchParams(candidates=self.settings.search_candidates)
        async with self.pool.connection() as conn:
            scopes = await materials.reading_scopes(conn, reply.owner_id, ask.document_ids)
            found = await search_with_evidence(
                conn, scopes, ask.text, embedding, k=k, params=params
            )
        budget = self._source_budget(prompt, ask.text)
        sources = select_sources(found.hits, found.similarity, budget, self.gate, found.lexical)
        reply.timings["retrieval_ms"] = round((time.perf_counter() - started) * 1000, 1)
        reply.extra["sources_considered"] = len(found.hits)
        return sources

    def _source_budget(self, prompt: Prompt, question: str) -> int:
        reserved = prompt.max_tokens + PROMPT_OVERHEAD_TOKENS + estimate_tokens(question)
        # History gets at most a quarter of what is left; sources the rest.
        return int((self.settings.context_tokens - reserved) * 0.75)

    async def history(self, reply: Reply, ask: Ask, budget: int) -> str:
        """Recent completed turns of this conversation that fit in `budget` tokens."""
        if ask.conversation_id is None or self.settings.tutor_history_turns == 0:
            return ""
        async with self.pool.connection() as conn:
            turns = await conversations.recent_turns(
                conn, reply.owner_id, ask.conversation_id, self.settings.tutor_history_turns
            )
        kept: list[str] = []
        for role, content in reversed(turns):
            line = f"{'Student' if role == 'user' else 'Tutor'}: {content.strip()}"
            budget -= estimate_tokens(line)
            if budget < 0:
                break
            kept.append(line)
        return "\n".join(reversed(kept))

    async def _grounded_answer(self, reply: Reply, ask: Ask) -> None:
        prompt = self.prompts.explain if ask.mode is Mode.EXPLAIN else self.prompts.answer
        prepared = await self.prepare_answer(reply, ask, prompt)
        # No sources at all, or (for a question) the model judges they don't state the answer.
        if prepared is None or (
            ask.mode is Mode.ANSWER and not await self.judged_answerable(reply, prepared[1])
        ):
            await self._decline(reply, ask)
            reply.emit(Event.of("citations", items=[]))
            return
        sources, messages = prepared
        declined = await self._stream_cited(reply, prompt, messages, sources)
        if declined:
            await self._decline(reply, ask)

    async def prepare_answer(
        self, reply: Reply, ask: Ask, prompt: Prompt
    ) -> tuple[list[Source], list[ChatMessage]] | None:
        """Sources packed into the answer's messages (the sources shown first); None: none."""
        sources = await self._retrieve(reply, ask, prompt)
        if not sources:
            return None
        assert reply.query_embedding is not None  # set by _retrieve
        sentences = await score_sentences(self.embedder, reply.query_embedding, sources)
        budget = self.settings.tutor_source_tokens
        sources = pack(sources, sentences, budget)
        self._show_sources(reply, ask.text, sentences, sources)
        values = {
            "sources": format_sources(sources),
            "history": await self.history(reply, ask, budget // 2),
        }
        if ask.mode is Mode.EXPLAIN:
            values |= {"topic": ask.text, "level": ask.level}
        else:
            values |= {"question": ask.text}
        return sources, prompt.render(**values)

    async def judged_answerable(self, reply: Reply, messages: list[ChatMessage]) -> bool:
        """The model's yes/no on whether the packed sources state the answer, thresholded.

        A server that reports no token probabilities leaves the decision to the answer prompt
        (which may still reply NOT_IN_NOTES).
        """
        threshold = answerable_threshold(
            self.settings.tutor_answerable_threshold,
            self.model.model_id,
            self.prompts.answerable.ref,
        )
        if threshold <= 0:
            return True
        started = time.perf_counter()
        p_yes = await answerable_probability(self.model, self.prompts.answerable, messages)
        reply.timings["answerable_ms"] = round((time.perf_counter() - started) * 1000, 1)
        reply.extra["answerable"] = {"p_yes": p_yes, "threshold": threshold}
        return p_yes is None or p_yes >= threshold

    def _show_sources(
        self, reply: Reply, question: str, sentences: list[Sentence], sources: list[Source]
    ) -> None:
        """Send the sources and the best passage of the notes before the model starts.

        Something useful at once: the local model reads its prompt for seconds before its
        first token (not in hint mode, where the passage could give the answer away).
        """
        best = best_passage(sentences, sources)
        items = [
            citation(s, question) | {"heading_path": s.hit.heading_path, "similarity": s.similarity}
            for s in sources
        ]
        reply.emit(Event.of("sources", items=items, best=best))
        reply.timings["sources_ms"] = reply.elapsed_ms()

    async def _stream_cited(
        self, reply: Reply, prompt: Prompt, messages: list[ChatMessage], sources: list[Source]
    ) -> bool:
        """Stream the answer with only valid citations; True when the model found nothing."""
        sentinel = SentinelFilter()
        check = CitationCheck(sources)
        cited = CitationFilter(valid=frozenset(s.n for s in sources), resolve=check.resolve)
        async for chunk in reply.stream(self.model, messages, prompt):
            reply.say(cited.feed(sentinel.feed(chunk.text)))
            if sentinel.found:
                break  # the model said the sources don't answer it: stop generating
        reply.say(cited.feed(sentinel.finish()) + cited.finish())
        reply.phantom_citations += cited.phantoms
        if check.moved or check.dropped:
            reply.extra["citations_checked"] = {"moved": check.moved, "dropped": check.dropped}
        by_number = {s.n: s for s in sources}
        reply.citations = [citation(by_number[n], reply.content) for n in cited.cited]
        if not reply.citations and not sentinel.found and reply.content.strip():
            found = attribute(reply.content, sources)
            reply.citations = [citation(s, reply.content) | {"attributed": True} for s in found]
            reply.extra["citations_attributed"] = bool(found)
        reply.grounded = bool(reply.citations) and not sentinel.found
        reply.emit(Event.of("citations", items=reply.citations))  # final, even when empty
        return sentinel.found

    async def _decline(self, reply: Reply, ask: Ask) -> None:
        """Say plainly that the notes don't cover it, then a clearly labelled general answer."""
        reply.grounded = False
        reply.say(("\n\n" if reply.parts else "") + DECLINE + GENERAL_LABEL)
        prompt = self.prompts.general
        async for chunk in reply.stream(self.model, prompt.render(question=ask.text), prompt):
            reply.say(chunk.text)
        reply.extra["general_answer"] = True

    async def _save(self, reply: Reply) -> None:
        reply.timings.setdefault("total_ms", reply.elapsed_ms())
        prompt = reply.prompt
        try:
            async with self.pool.connection() as conn:
                await conversations.finish_message(
                    conn,
                    id=reply.message_id,
                    owner_id=reply.owner_id,
                    content=reply.content,
                    status=reply.status,
                    grounded=reply.grounded,
                    citations=reply.citations,
                    phantom_citations=reply.phantom_citations,
                    timings=reply.timings,
                    usage=reply.usage,
                    error_code=reply.error_code,
                    prompt_name=prompt.name if prompt else None,
                    prompt_version=prompt.version if prompt else None,
                )
        except psycopg.Error:  # the student already has the text; a lost save must not hide it
            log.exception("could not save message %s", reply.message_id)
