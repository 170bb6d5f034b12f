# Build the GOV.UK / MoJ Frontend assets with Node, then run Django on Python 3.11.
FROM node:20-bookworm-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend ./frontend
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SENTINEL_VAR_DIR=/var/lib/sentinel
# WeasyPrint needs Pango.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
COPY --from=frontend /app/node_modules/govuk-frontend/dist ./node_modules/govuk-frontend/dist
COPY --from=frontend /app/node_modules/@ministryofjustice/frontend/moj ./node_modules/@ministryofjustice/frontend/moj
COPY --from=frontend /app/frontend/build ./frontend/build
RUN useradd --system --create-home sentinel \
    && mkdir -p /var/lib/sentinel/documents && chown -R sentinel /var/lib/sentinel \
    # Collected under production settings so the hashed-name manifest exists; the key is
    # a throwaway used only by this build step.
    && SENTINEL_ENV=production SECRET_KEY=build-step-only-collectstatic-key-not-used-at-runtime-0123456789 \
       python manage.py collectstatic --noinput \
    && chown -R sentinel /var/lib/sentinel
USER sentinel
EXPOSE 8000
CMD ["gunicorn", "sentinel.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
