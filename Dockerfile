# The API image for docker-compose.yml: the package and gunicorn, no Java (Neo4j runs in its own container).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY registry registry
COPY graph_schema graph_schema
COPY importers importers
COPY visualisations visualisations
RUN pip install --no-cache-dir . && useradd --system --no-create-home registry
USER registry
EXPOSE 5000
# Migrations are safe to rerun, so every start applies what is new; demo data only when asked.
CMD ["sh", "-c", "registry db migrate && if [ \"$LOAD_DEMO\" = 1 ]; then registry demo load; fi && exec gunicorn --workers ${WEB_CONCURRENCY:-4} --threads 2 --bind 0.0.0.0:5000 --access-logfile - registry.wsgi:app"]
