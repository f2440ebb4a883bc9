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

ENV DATABASE_PATH=/data/bot.sqlite3
VOLUME /data
# Only `python -m bot webhook` listens (WEBHOOK_PORT); polling needs no port.
EXPOSE 8080

# Long polling by default; SIGTERM from `docker stop` finishes updates in progress first.
CMD ["python", "-m", "bot"]
