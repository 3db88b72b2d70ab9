# ramd in a container: `docker build -t ramd .` then
#   docker run -p 7420:7420 -v ramd-data:/data ramd
# The store (SQLite), its master key and the first account's credentials live in the /data volume.
# Build stage: the release binary.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p ramd && strip target/release/ramd

# Runtime stage: Debian slim with the binary only (curl for the health check).
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data ramd \
    && mkdir -p /data && chown ramd /data
COPY --from=build /src/target/release/ramd /usr/local/bin/ramd
USER ramd
VOLUME /data
ENV RAMD_DATA_DIR=/data \
    RAMD_LISTEN=0.0.0.0:7420
EXPOSE 7420
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD curl -fsS http://127.0.0.1:7420/ready || exit 1
ENTRYPOINT ["ramd"]
CMD ["serve"]
