# The warmpath API image (used by docker-compose.yml with Neo4j).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY cli ./cli
COPY api ./api
COPY demo ./demo
COPY routing ./routing
COPY importers ./importers
COPY graph ./graph
COPY cypher ./cypher
RUN pip install . && useradd --system --uid 10001 --home-dir /app warmpath && mkdir -p /app/data && chown warmpath /app/data

USER warmpath
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status == 200 else 1)"
CMD ["warmpath", "serve", "--host", "0.0.0.0", "--port", "8000"]
