FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY core core
COPY api api
COPY bot bot
COPY scheduler scheduler
COPY playground playground
COPY locales locales
RUN pip install --no-cache-dir . && pybabel compile -D messages -d locales
EXPOSE 8000
CMD ["mechta", "run"]
