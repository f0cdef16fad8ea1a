"""What a tutor mode needs to write its reply, and nothing more."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg_pool import AsyncConnectionPool

from ingestion.embedding import Embedder
from tutor.chat.prompt_set import PromptSet
from tutor.llm.chat_model import ChatModel


@dataclass(frozen=True)
class ChatContext:
    """The pool, the embedder, the chat model and the prompts one engine shares with its modes."""

    pool: AsyncConnectionPool
    embedder: Embedder
    model: ChatModel
    prompts: PromptSet
