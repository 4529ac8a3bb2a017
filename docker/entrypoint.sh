#!/usr/bin/env bash
# Starts one pixelflow worker in a container: the container twin of `bin/pixelflow worker ROLE`.
# Picks the fastest native ND4J build this CPU really runs (a build for a missing instruction set crashes the
# JVM), then replaces itself with the JVM so that the JVM gets SIGTERM and shuts the worker down cleanly.
#   usage: entrypoint.sh WORKER_JAR          (workers take no arguments: environment variables configure them)
set -euo pipefail

die() { echo "pixelflow entrypoint: $*" >&2; exit 64; }

jar="${1:-}"
[ -n "$jar" ] || die "usage: entrypoint.sh WORKER_JAR"
[ -f "$jar" ] || die "no worker jar at $jar"
shift
[ $# -eq 0 ] || die "workers take no arguments, got: $* (configure them with environment variables; see README)"

# /proc/cpuinfo in a container is the host's, which is the CPU the natives will run on.
cpu_flags="$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)"
has_flag() { [[ " ${cpu_flags#*:} " == *" $1 "* ]]; }

if [ -z "${PIXELFLOW_NATIVE_EXTENSION:-}" ]; then
  if has_flag avx512f && has_flag avx512bw && has_flag avx512vl && has_flag avx512dq; then
    PIXELFLOW_NATIVE_EXTENSION=-onednn-avx512
  elif has_flag avx2 && has_flag fma; then
    PIXELFLOW_NATIVE_EXTENSION=-onednn-avx2
  else
    PIXELFLOW_NATIVE_EXTENSION=-onednn
  fi
fi
case "$PIXELFLOW_NATIVE_EXTENSION" in
  none) extension="" ;;           # the plain (non-oneDNN) build
  -onednn | -onednn-avx2 | -onednn-avx512) extension="$PIXELFLOW_NATIVE_EXTENSION" ;;
  *) die "PIXELFLOW_NATIVE_EXTENSION must be -onednn-avx512, -onednn-avx2, -onednn or none, got '$PIXELFLOW_NATIVE_EXTENSION'" ;;
esac

# OpenBLAS 0.3.19 misidentifies recent CPUs as generic; name the core from the real flags, never beyond them.
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  if has_flag avx512f && has_flag avx512bw; then export OPENBLAS_CORETYPE=SkylakeX
  elif has_flag avx2 && has_flag fma; then export OPENBLAS_CORETYPE=Haswell
  fi
fi
# Idle OpenMP threads must not spin: the workers share cores with Kafka I/O and decoding threads.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

echo "pixelflow entrypoint: $(basename "$jar"), native build '${extension:-plain}'" >&2
# The option variables hold several flags each: word splitting is wanted here.
# shellcheck disable=SC2086
exec java ${JAVA_HEAP_OPTS:-} ${JAVA_OPTS:-} ${PIXELFLOW_JAVA_OPTS:-} \
  "-Dorg.bytedeco.javacpp.platform.extension=${extension}" -jar "$jar"
