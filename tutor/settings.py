"""Runtime configuration, read from `TUTOR_*` environment variables."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tutor.accounts.auth import DEFAULT_MEMORY_KIB, DEFAULT_TIME_COST

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev", "please-change-me"}


class Settings(BaseSettings):
    """Every knob of the service; build one in `main`/lifespan and pass it down."""

    model_config = SettingsConfigDict(env_prefix="TUTOR_", env_file=".env", extra="ignore")

    env: Literal["dev", "prod"] = "dev"
    data_dir: Path = Path(".tutor-data")
    # None means "start an embedded server under data_dir".
    database_url: str | None = None
    redis_url: str | None = None
    # A Redis command that gets no answer within this long fails (a hung server or network
    # must not hang a request); an idle subscription is not affected.
    redis_timeout_s: float = Field(default=10.0, ge=2)
    jwt_secret: SecretStr | None = None
    jwt_ttl_minutes: int = Field(default=24 * 60, ge=1)
    # A websocket ticket (POST /api/v1/ws-ticket) must be used within this many seconds.
    ws_ticket_ttl_s: int = Field(default=30, ge=1, le=300)
    # An idle events socket gets a `ping` event this often, so proxies do not cut it.
    events_ping_s: float = Field(default=25.0, gt=0)
    # Websockets (tutor and events together) one user may hold open on one API process; the next
    # is closed with 4429. A browser tab holds two.
    ws_sockets_per_user: int = Field(default=8, ge=1)

    # Teacher sign-up needs an admin's invite code or approval unless this opens it (an install
    # with one trusted user).
    open_teacher_signup: bool = False
    # argon2 (64 MiB, 3 passes) runs in this many threads; at most this many more wait, and
    # past that a sign-in is refused at once (503) rather than queued without end. A waiting
    # sign-in holds no memory; 64 lets a class behind one school address sign in at the start
    # of a lesson (60 within a second, the per-address limit) with none refused, the last one
    # after about 6 s on 2 idle cores (at 16, the load benchmark saw 7 of such 60 refused).
    password_hash_threads: int = Field(default=2, ge=1, le=64)
    password_hash_queue: int = Field(default=64, ge=0, le=10_000)
    # The argon2id cost of a new hash (a stored hash is checked at the cost it was made with).
    # The defaults are RFC 9106's second recommendation; OWASP's floor is 2 passes over 19 MiB.
    password_hash_time_cost: int = Field(default=DEFAULT_TIME_COST, ge=1, le=20)
    password_hash_memory_kib: int = Field(
        default=DEFAULT_MEMORY_KIB, ge=8 * 1024, le=4 * 1024 * 1024
    )
    # Requests a minute, counted in Redis across processes. Per IP is loose: a school's
    # students may share one address. Sign-in refuses everyone while Redis is down (it cannot
    # count guesses); the others then go unlimited.
    login_per_minute_per_ip: int = Field(default=60, ge=1)
    login_per_minute_per_account: int = Field(default=10, ge=1)
    register_per_minute_per_ip: int = Field(default=20, ge=1)
    upload_per_minute_per_user: int = Field(default=60, ge=1)
    upload_per_minute_per_ip: int = Field(default=300, ge=1)
    search_per_minute_per_user: int = Field(default=120, ge=1)
    search_per_minute_per_ip: int = Field(default=600, ge=1)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)

    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    # Every request body but an upload's (JSON, forms) is refused (413) past this.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_documents_per_user: int = Field(default=10_000, ge=1)
    # The bytes of one user's files together; an upload past it is refused (413).
    max_storage_bytes_per_user: int = Field(default=1024 * 1024 * 1024, ge=1)
    # A DOCX may not expand to more than this (zip-bomb guard).
    max_docx_uncompressed_bytes: int = Field(default=200 * 1024 * 1024, ge=1)

    embedding_model: str | None = None  # a local path; None = the bundled MiniLM
    # openvino: the same model, checked against torch at start, faster on CPUs; torch is the
    # fallback whenever OpenVINO cannot reproduce the torch vectors.
    embedding_backend: Literal["openvino", "torch"] = "openvino"
    # auto: OpenVINO computes in bfloat16 where the CPU does natively (cosine to torch >= 0.9995,
    # 2.7x faster than float32 on AMX), float32 elsewhere; f32: always float32.
    embedding_precision: Literal["auto", "f32"] = "auto"
    # Texts sorted by length, then encoded 16 at a time: less padding than 32 and faster on both
    # backends (OpenVINO 256-chunk calls 3-7%, torch 10-15%, measured on the benchmark's chunks).
    embedding_batch_size: int = Field(default=16, ge=1)
    chunk_tokens: int = Field(default=200, ge=16)
    chunk_overlap_tokens: int = Field(default=30, ge=0)
    # Chunks embedded and committed together: the unit of progress and of crash recovery.
    ingest_batch_chunks: int = Field(default=256, ge=1)

    worker_max_jobs: int = Field(default=4, ge=1)
    # Parse and chunk in a child process (off the worker's GIL); false parses in a thread.
    parse_in_process: bool = True
    # What one document may cost the parser child (ingestion/parser_process.py): its address
    # space in MiB, CPU seconds, and seconds in all; past one, that file fails `too_complex`.
    parser_memory_mb: int = Field(default=3072, ge=256)
    parser_cpu_s: int = Field(default=600, ge=1)
    parser_wall_s: float = Field(default=1200.0, gt=0)
    job_timeout_s: int = Field(default=3600, ge=10)
    max_job_attempts: int = Field(default=3, ge=1)
    # A worker whose lease is older than this is presumed dead; its job is reclaimed.
    worker_lease_s: float = Field(default=10.0, gt=0)
    reconcile_interval_s: float = Field(default=5.0, gt=0)

    # Chat model: any OpenAI-compatible endpoint; None starts the local llama.cpp server.
    chat_base_url: str | None = None
    chat_api_key: SecretStr | None = None
    chat_model: str | None = None  # the endpoint's model id; None = the local model's name
    # An LLM judge for the evals' model-judged metrics (hint helpfulness); unset = not judged.
    judge_base_url: str | None = None
    judge_api_key: SecretStr | None = None
    judge_model: str | None = None
    # Which GGUF model the local server runs (see tutor/llm/local_server.py for the catalogue).
    local_chat_model: str = "qwen2.5-coder-1.5b-instruct"
    local_chat_context_tokens: int = Field(default=4096, ge=512)
    local_chat_threads: int | None = Field(default=None, ge=1)  # None: cores - 1 (generation)
    local_chat_batch_threads: int | None = Field(default=None, ge=1)  # None: all cores (prompt)

    # Versioned prompt files; None = the `prompts/` folder of this checkout.
    prompts_dir: Path | None = None
    # A fixed sampling seed for every chat request (reproducible runs); None = the server's.
    chat_seed: int | None = None
    chat_timeout_s: float = Field(default=300.0, gt=0)
    # The chat model's context window; None = the local model's (local_chat_context_tokens).
    chat_context_tokens: int | None = Field(default=None, ge=512)

    # Tutor: sources per answer, the cosine similarity below which a chunk is "not relevant",
    # earlier turns used as context, and limits per user and per process.
    tutor_top_k: int = Field(default=6, ge=1, le=50)
    # Caps every prompt's own max_tokens (cost and latency control); None = the prompts decide.
    tutor_max_output_tokens: int | None = Field(default=None, ge=16)
    tutor_min_similarity: float = Field(default=0.25, ge=-1.0, le=1.0)
    # A chunk holding this share of the question's rare-term (IDF) mass is a source even below
    # tutor_min_similarity, if its similarity is at least tutor_lexical_floor
    # (tutor/chat/answerability.py says why).
    tutor_min_lexical_share: float = Field(default=0.6, ge=0.0, le=1.0)
    tutor_lexical_floor: float = Field(default=0.1, ge=-1.0, le=1.0)
    # Below this P(yes) from the answerability probe the tutor declines instead of answering;
    # 0 turns the probe off. Unset: the local model's calibrated value (tutor/llm/catalogue.py),
    # or off for a model nobody calibrated (evals/answerability_calibration.py finds one).
    tutor_answerable_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    # Tokens of source sentences an answer's prompt carries (tutor/chat/sharp_context.py): the
    # local model reads 20-36 prompt tokens a second on 2 cores, so this sets the wait before
    # its first word (the instructions before them are cached by llama.cpp between asks).
    tutor_source_tokens: int = Field(default=320, ge=64)
    tutor_history_turns: int = Field(default=6, ge=0, le=50)
    tutor_asks_per_minute: int = Field(default=30, ge=1)
    tutor_generations_per_user: int = Field(default=2, ge=1)
    tutor_generations_total: int = Field(default=64, ge=1)

    # FSRS spreads review intervals by a few percent so cards learned together do not stay
    # together; tests turn it off to compare intervals with the package's own.
    fsrs_fuzz: bool = True

    # An open timed task is "due soon" (a task.due_soon event) this long before its due.
    task_reminder_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    # How often the worker looks for tasks falling due: a divisor of 60 seconds.
    task_reminder_every_s: int = Field(default=60, ge=1, le=60)
    # Leaderboard periods (today, this week from Monday, this month) are days of this IANA zone:
    # a school sets its own, so "this week" turns over at its midnight.
    leaderboard_timezone: str = "UTC"

    search_candidates: int = Field(default=60, ge=1, le=1000)
    hnsw_ef_search: int = Field(default=100, ge=1, le=1000)

    # Operations. Logs: one JSON object per line (prod, log shippers) or text (dev terminals).
    log_format: Literal["json", "text"] = "text"
    # `GET /metrics` (Prometheus) answers only a `Bearer` of this token; unset, it is off (404):
    # behind a reverse proxy every client looks local, so "localhost only" would protect nothing.
    metrics_token: SecretStr | None = None
    # The worker's own metrics (job outcomes) on this port; unset = not served. Bound to
    # worker_metrics_host, loopback by default (the endpoint has no authentication).
    worker_metrics_port: int | None = Field(default=None, ge=0, le=65535)
    worker_metrics_host: str = "127.0.0.1"
    # A statement running longer than this is cancelled by PostgreSQL (QueryCanceled), so a
    # stuck query frees its pooled connection instead of holding it; 0 = no limit.
    db_statement_timeout_s: float = Field(default=30.0, ge=0)
    # How long a request or job waits for a pooled connection. While PostgreSQL is down every
    # wait runs this long, then the API answers 503 and the worker retries the job.
    db_pool_timeout_s: float = Field(default=30.0, gt=0)

    @field_validator("database_url")
    @classmethod
    def _postgres_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("TUTOR_DATABASE_URL must be a postgresql:// URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("TUTOR_REDIS_URL must be a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("task_reminder_every_s")
    @classmethod
    def _divides_a_minute(cls, value: int) -> int:
        if 60 % value:
            raise ValueError("TUTOR_TASK_REMINDER_EVERY_S must divide 60 (1, 2, 5, 10, 30, 60...)")
        return value

    @field_validator("leaderboard_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("TUTOR_LEADERBOARD_TIMEZONE must be an IANA zone name") from exc
        return value

    @model_validator(mode="after")
    def _real_secret_in_prod(self) -> Settings:
        if self.env == "prod":
            secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
            if secret.lower() in PLACEHOLDER_SECRETS or len(secret) < 32:
                raise ValueError("TUTOR_JWT_SECRET must be a real secret (>= 32 chars) in prod")
        return self

    @property
    def data_path(self) -> Path:
        """The data directory as an absolute path."""
        return self.data_dir.expanduser().resolve()

    @property
    def context_tokens(self) -> int:
        """The chat model's context window in tokens."""
        return self.chat_context_tokens or self.local_chat_context_tokens

    @property
    def model_cache_path(self) -> Path:
        """Where prepared models live: assembled chat GGUFs and the exported embedding model."""
        return self.data_path / "models"

    def jwt_key(self) -> str:
        """The signing key; in dev one is generated once and kept in the data dir."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        key_file = self.data_path / "jwt-secret"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()
