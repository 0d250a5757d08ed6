# Hearth: the ASGI site and its task worker, one image.
#   docker compose up          (see docker-compose.yml and docs/deploy.md)
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv
WORKDIR /app

# Dependencies first, so code changes do not reinstall them: exactly the runtime
# lock's releases, each checked against its hashes (`make lock` refreshes it).
COPY requirements/main.txt requirements/main.txt
RUN pip install --require-hashes -r requirements/main.txt

COPY . .
# Static files are collected and fingerprinted at build time; WhiteNoise serves
# them. (DEBUG=0 needs a key and hosts to start; these are for this step only.)
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-used-at-runtime-0123456789abcdef \
    ALLOWED_HOSTS=build.invalid python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --home-dir /app hearth
USER hearth

ENV HOST=0.0.0.0 PORT=8000 WEB_CONCURRENCY=2 DEBUG=0
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=12s --start-period=30s --retries=3 CMD ["bin/healthcheck"]
CMD ["bin/serve"]
