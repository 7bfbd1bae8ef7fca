# arrkestra: one container next to Sonarr, Radarr, Overseerr and Plex.
#   docker build -t arrkestra .
#   docker run -p 8080:8080 -v ./config:/config -v ./data:/data arrkestra
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
# PUID/PGID-style fixed ids: match the owner of your media shares with `user:` in compose.
RUN groupadd --gid 1000 arrkestra \
 && useradd --uid 1000 --gid 1000 --home-dir /data --no-create-home --shell /usr/sbin/nologin arrkestra \
 && mkdir -p /config /data && chown arrkestra:arrkestra /config /data
ENV ARRKESTRA_CONFIG=/config/arrkestra.yaml \
    ARRKESTRA_STORAGE__PATH=/data \
    PYTHONUNBUFFERED=1
VOLUME ["/config", "/data"]
EXPOSE 8080
USER arrkestra
WORKDIR /data
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4).status == 200 else 1)"
# drain_timeout defaults to 30s: give `docker stop` a little more than that
STOPSIGNAL SIGTERM
ENTRYPOINT ["tini", "--", "arrkestra"]
CMD ["serve"]
