# arrkestra: one container next to Sonarr, Radarr, Overseerr and Plex.
#   docker build -t arrkestra .
#   docker run -p 8080:8080 -e PUID=1000 -e PGID=1000 -v ./config:/config -v ./data:/data arrkestra
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY requirements ./requirements
COPY src ./src
RUN python -m pip install --no-cache-dir --upgrade pip \
 && python -m pip wheel --no-cache-dir --wheel-dir /wheels . 

FROM python:3.11-slim-bookworm
# rsync copies imported files to the second server (mirror pipeline); tini reaps rsync children
# and forwards SIGTERM so `docker stop` drains running jobs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends rsync tini \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
RUN python -m pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
# Runs as PUID:PGID (default 1000:1000, the owner of your media shares): the entrypoint starts
# as root, gives the user "arrkestra" those ids, hands /config and /data to it and drops root.
# A compose `user: "1000:1000"` works too: the entrypoint then just starts arrkestra.
RUN groupadd --gid 1000 arrkestra \
 && useradd --uid 1000 --gid 1000 --home-dir /config --no-create-home --shell /usr/sbin/nologin arrkestra \
 && mkdir -p /config /data && chown arrkestra:arrkestra /config /data
COPY deploy/docker/entrypoint.sh /usr/local/bin/arrkestra-entrypoint
RUN chmod 0755 /usr/local/bin/arrkestra-entrypoint
# No config file needed: environment variables and defaults are enough. /config/arrkestra.yaml
# is read when it exists (./arrkestra.yaml, and the working directory is /config, for
# `docker exec` and the healthcheck too). ARRKESTRA_CONFIG names another file (which must exist).
ENV ARRKESTRA_STORAGE__PATH=/data \
    PYTHONUNBUFFERED=1
VOLUME ["/config", "/data"]
EXPOSE 8080
WORKDIR /config
# `arrkestra health` reads the same settings as the daemon: it follows PORT,
# ARRKESTRA_SERVER__PORT or server.port in the file.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["arrkestra", "health"]
# drain_timeout defaults to 30s: give `docker stop` a little more than that
STOPSIGNAL SIGTERM
ENTRYPOINT ["tini", "--", "arrkestra-entrypoint"]
CMD ["serve"]
