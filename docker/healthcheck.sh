#!/usr/bin/env bash
# Container health check of a pixelflow worker: healthy only when GET /health answers 200.
# It speaks HTTP/1.0 over bash's /dev/tcp, so the image needs no curl (one package less to patch) and no
# second JVM (a java-based check would cost more memory and seconds than the worker's answer).
#   usage: healthcheck.sh [http://HOST:PORT/PATH]     default http://127.0.0.1:$PIXELFLOW_HTTP_PORT/health
#          healthcheck.sh tcp://HOST:PORT             healthy when the port accepts a connection (the broker)
# Exit 0 healthy, 1 unhealthy (the only two codes Docker accepts).
set -uo pipefail

url="${1:-http://127.0.0.1:${PIXELFLOW_HTTP_PORT:-8080}/health}"
if [[ "$url" =~ ^tcp://([^/:]+):([0-9]+)$ ]]; then
  { exec 3<>"/dev/tcp/${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"; } 2>/dev/null && exit 0
  echo "healthcheck: nothing listens on ${BASH_REMATCH[1]}:${BASH_REMATCH[2]}" >&2
  exit 1
fi
if [[ ! "$url" =~ ^http://([^/:]+):([0-9]+)(/.*)?$ ]]; then
  echo "healthcheck: expected http://HOST:PORT/PATH, got '$url'" >&2
  exit 1
fi
host="${BASH_REMATCH[1]}"
port="${BASH_REMATCH[2]}"
path="${BASH_REMATCH[3]:-/}"

{ exec 3<>"/dev/tcp/${host}/${port}"; } 2>/dev/null || { echo "healthcheck: nothing listens on ${host}:${port}" >&2; exit 1; }
printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$host" >&3
IFS=$' \r' read -r -t 5 protocol status _ <&3 || { echo "healthcheck: no answer from ${url}" >&2; exit 1; }
exec 3<&-
if [ "${status:-}" = 200 ]; then
  exit 0
fi
echo "healthcheck: ${url} answered ${protocol:-?} ${status:-?}" >&2
exit 1
