# earfit's one image: web (gunicorn), worker and beat (Celery), migrate. See docker/entrypoint.
#
# Build with `make image` (podman, or docker where present). BASE_IMAGE is a slim Debian bookworm
# with Python 3.11; where no registry answers, `docker/base-image` builds one with debootstrap.
# pip reaches PyPI through the CA bundle passed as the build secret `ca`, never stored in a layer.
# The React client is built before the image (`make frontend`) and copied in from frontend/dist.
ARG BASE_IMAGE=docker.io/library/python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app

# The dependency layer: rebuilt only when a requirements file changes.
COPY requirements.txt requirements-inference.txt ./
RUN --mount=type=secret,id=ca,target=/run/secrets/ca \
    if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi; \
    pip install --no-cache-dir --disable-pip-version-check --requirement requirements.txt

COPY . .
# Static files (admin, API docs) with their manifest, compressed, at build time: production
# serves them through WhiteNoise and refuses to start without the manifest. The values below
# only let the production settings load; nothing connects anywhere.
RUN DJANGO_SETTINGS_MODULE=earfit.settings.production \
    DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/unused.sqlite3 CELERY_BROKER_URL=redis://localhost:6379/0 CACHE_URL=locmemcache:// \
    python manage.py collectstatic --no-input --verbosity 0 \
 && python -m compileall -q --invalidation-mode unchecked-hash /app

FROM ${BASE_IMAGE}
RUN groupadd --system --gid 10001 earfit \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin earfit
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=earfit.settings.production \
    HOME=/tmp \
    PORT=8000
WORKDIR /app
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint"]
CMD ["web"]
# Last: the commit changes with every build, and only this metadata layer changes with it.
ARG REVISION=unknown
LABEL org.opencontainers.image.title="earfit" \
      org.opencontainers.image.revision="${REVISION}"
