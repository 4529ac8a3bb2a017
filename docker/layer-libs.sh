#!/usr/bin/env bash
# Sorts the workers' runtime libraries into image layers, so that images share the bytes they have in common
# (each directory below becomes one COPY, that is one layer, in the Dockerfile):
#   OUT/shared/lib/   third-party jars every worker runs (Kafka clients, OpenCV, JSON, logging, metrics)
#   OUT/engine/lib/   third-party jars the trainer and the inference worker run besides those (ND4J and its natives)
#   OUT/ROLE/         the rest of one worker: its other jars, pixelflow's own module jars (they change with every
#                     commit, so they sit in the top layer) and the worker's jar
#   usage: docker/layer-libs.sh OUT      in the repository root, after `mvnw package` of the three workers
set -euo pipefail

out="${1:?usage: layer-libs.sh OUT}"
workers=(ingest trainer inference)

# True when every named worker's lib/ holds a file of this name (names carry the version, so same name, same jar).
used_by() {
  local name="$1"; shift
  local w
  for w in "$@"; do [ -f "$w-worker/target/lib/$name" ] || return 1; done
}

mkdir -p "$out/shared/lib" "$out/engine/lib"
for w in "${workers[@]}"; do
  [ -f "$w-worker/target/pixelflow-$w-worker.jar" ] || { echo "layer-libs: no $w-worker jar; package it first" >&2; exit 1; }
  mkdir -p "$out/$w/lib"
  cp "$w-worker/target/pixelflow-$w-worker.jar" "$out/$w/"
  for jar in "$w-worker"/target/lib/*; do
    name="$(basename "$jar")"
    if [[ "$name" == pixelflow-* ]]; then
      layer="$w/lib"
    elif used_by "$name" "${workers[@]}"; then
      layer=shared/lib
    elif used_by "$name" trainer inference; then
      layer=engine/lib
    else
      layer="$w/lib"
    fi
    [ -f "$out/$layer/$name" ] || cp "$jar" "$out/$layer/"
  done
done
for layer in shared engine "${workers[@]}"; do
  echo "layer-libs: $layer $(find "$out/$layer" -type f | wc -l) files, $(du -sm "$out/$layer" | cut -f1) MB" >&2
done
