# Mechta image: one image for every role (web, bot poller, scheduler, migrations); the command picks the role.
# Multi-stage: dependencies are built into a virtualenv in the first stage; the final stage carries no compilers.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY core core
COPY api api
COPY bot bot
COPY scheduler scheduler
COPY playground playground
COPY web web
RUN pip install .
COPY locales locales
RUN pybabel compile -D messages -d locales

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH \
    DATA_DIR=/app/data UPLOADS_DIR=/app/data/uploads API_HOST=0.0.0.0 API_PORT=8000 LOG_FORMAT=json
RUN groupadd --system mechta && useradd --system --gid mechta --home-dir /app --shell /usr/sbin/nologin mechta
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /src/locales locales
RUN mkdir -p /app/data/uploads && chown -R mechta:mechta /app
USER mechta
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"
CMD ["python", "-m", "web"]
