# The portal's image: web (gunicorn), worker and beat all run from it.
FROM python:3.11-slim

# Static files: hashed and compressed copies, collected below, served by WhiteNoise.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_STATIC_MANIFEST=true \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    PORT=8000

WORKDIR /app

# PostgreSQL's client tools for `manage.py backup` and `restore`, from the
# PostgreSQL project's apt repository: pg_dump must be at least the server's
# version (compose's postgres image).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-common \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends postgresql-client-17 \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so code changes reuse this layer.
COPY requirements.txt ./
RUN pip install -r requirements.txt

RUN groupadd --system portal \
    && useradd --system --gid portal --home-dir /app --no-create-home portal

COPY . .
# collectstatic needs settings, not secrets, a database or a broker.
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p var \
    && chown -R portal:portal var

USER portal
EXPOSE 8000

CMD ["gunicorn", "--config", "python:portal.gunicorn", "portal.wsgi"]
