# Production image: web (gunicorn), worker and beat all run from it (docker-compose.yml).
FROM node:22-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY frontend ./frontend
COPY dev.py ./
RUN mkdir -p static/dist \
 && node node_modules/sass/sass.js --load-path=node_modules --load-path=. --style=compressed \
      --no-source-map --quiet-deps frontend/scss/application.scss static/dist/application.css \
 && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js \
       node_modules/@ministryofjustice/frontend/moj/moj-frontend.min.js \
       node_modules/htmx.org/dist/htmx.min.js node_modules/cytoscape/dist/cytoscape.esm.min.mjs \
       frontend/js/* static/dist/ \
 && cp -r node_modules/@ministryofjustice/frontend/moj/assets/images static/dist/moj-images \
 && cp node_modules/govuk-frontend/dist/govuk/assets/images/govuk-crest.svg static/dist/moj-images/

FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 VAR_DIR=/var/lib/cse
# /var/lib/cse-audit: the audit service's volume (docker-compose.yml), written as this user.
RUN useradd --system --create-home --uid 10001 app \
 && mkdir -p /var/lib/cse /var/lib/cse-audit && chown app /var/lib/cse /var/lib/cse-audit
WORKDIR /app
COPY requirements/base.lock requirements/base.lock
RUN pip install --no-cache-dir --require-hashes -r requirements/base.lock
COPY . .
COPY --from=assets /build/static/dist static/dist
# collectstatic needs settings to load, not a database or real secrets.
RUN SECRET_KEY=build-only ACCESS_LOG_KEY=build-only-never-used-to-sign-anything \
    DATABASE_URL=postgresql://build@localhost/build \
    CELERY_BROKER_URL=redis://localhost:6379/0 python manage.py collectstatic --no-input -v0
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--config", "config/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3"]
