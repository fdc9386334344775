FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LEDGER_HOME=/app/data
WORKDIR /app
# The runtime lock first, so a code change reuses the dependency layer; every package is hash-checked.
COPY requirements/runtime.txt ./requirements/
RUN pip install --no-cache-dir --require-hashes -r requirements/runtime.txt
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY projections ./projections
COPY api ./api
RUN pip install --no-cache-dir --no-deps . && pip check
# The directories the compose volumes mount (the signing key at /keys, an embedded store at /app/data),
# created here and owned by the user the ledger runs as: Docker gives an empty named volume the owner and
# mode of the image directory it is mounted on, so the ledger can write its key there.
RUN useradd --create-home --uid 10001 ledger \
    && mkdir -p /app/data /keys \
    && chown ledger:ledger /app/data /keys \
    && chmod 0700 /app/data /keys
USER ledger
EXPOSE 8000
CMD ["ledger", "serve", "--host", "0.0.0.0", "--port", "8000"]
