# Parsing Service: one image for the web server (daphne), the RQ workers and
# the maintenance loop; compose.yaml picks the command. No secret is baked in:
# SECRET_KEY, SESSION_ENCRYPTION_KEYS, Telegram API credentials come from Vault
# or the environment at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var

WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml ./
RUN python -m pip install .

COPY manage.py ./
COPY parser_project ./parser_project
COPY platforms ./platforms
COPY tasks_app ./tasks_app
COPY templates ./templates
COPY static ./static

# collectstatic only needs settings to import: a throwaway key and a Redis URL
# that is never contacted, so nothing embedded is started at build time.
RUN mkdir -p /app/var \
    && DEBUG=1 SECRET_KEY=build-only SESSION_ENCRYPTION_KEYS=build-only-not-a-key REDIS_URL=redis://unused:6379/0 \
       python manage.py collectstatic --noinput --verbosity 0 \
    && rm -f /app/var/secret_key /app/var/session_key \
    && chown -R app:app /app/var

USER app
EXPOSE 8000
CMD ["python", "-m", "daphne", "-b", "0.0.0.0", "-p", "8000", "parser_project.asgi:application"]
