FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# Only what the package is built from; it is installed into site-packages and the sources go.
COPY pyproject.toml README.md /src/
COPY bot /src/bot
COPY handlers /src/handlers
COPY storage /src/storage
COPY locales /src/locales
RUN pip install /src && rm -rf /src

# A user of its own, not root, with a home for its working directory.
RUN useradd --create-home --uid 10001 bot \
    && mkdir /data \
    && chown bot:bot /data
USER bot
WORKDIR /home/bot

ENV DATABASE_PATH=/data/bot.sqlite3 \
    HEALTH_FILE=/tmp/bot-healthy
VOLUME /data
# Only `python -m bot webhook` listens (WEBHOOK_PORT); polling needs no port.
EXPOSE 8080

# Healthy while the bot touches HEALTH_FILE (every HEALTH_INTERVAL = 5 s, as long as the database
# answers and its file is the one opened), in polling and webhook mode alike.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, time; p = os.environ['HEALTH_FILE']; sys.exit(0 if os.path.exists(p) and time.time() - os.path.getmtime(p) < 60 else 1)"]

# Long polling by default; SIGTERM from `docker stop` finishes updates in progress first.
CMD ["python", "-m", "bot"]
