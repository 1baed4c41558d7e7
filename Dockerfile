# Multi-stage image for web and workers: build a wheel, install it into a slim runtime.
FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN pip install --no-cache-dir build && python -m build --wheel --outdir /wheels

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 fractafrag && mkdir /data && chown fractafrag /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /app
USER fractafrag
ENV FRACTAFRAG_DATA_DIR=/data
EXPOSE 5000
CMD ["gunicorn", "-k", "gevent", "-w", "1", "-b", "0.0.0.0:5000", "wsgi:app"]
