#!/usr/bin/env bash
# The container test: builds every target of the Dockerfile with Podman and runs the README's flow in containers,
# without a container registry. CI (.ci/run) runs it after `./mvnw -B verify`, whose jars and ~/.m2 it reuses.
#
#   usage: docker/test-containers.sh [--no-compose]
#
#  1. installs podman, runc, debootstrap, podman-compose and kcat when missing (Debian's apt-get; it runs as root,
#     as rootful Podman is what runs containers on this kind of machine);
#  2. builds stand-ins for eclipse-temurin:17-jdk/-jre from Debian's OpenJDK 17 (docker/standin/Containerfile),
#     kept by name, so the next run on the same machine reuses them;
#  3. builds the targets ingest-worker, trainer-worker, inference-worker and broker, reading the machine's ~/.m2
#     (read-only) instead of downloading the dependencies again; prints each image's size and the shared bytes;
#  4. on one container network: the broker, every worker healthy (time to healthy printed), none running as root;
#     400 photos ingested at 64x64, one epoch trained in the trainer container, a photo classified through kcat
#     and through `bin/pixelflow classify` from the host (form, model and version checked); two inference
#     replicas in one group both answering; the trainer killed mid-job and started again on its state volume
#     resuming the job; `podman stop` ending each container cleanly within the grace period;
#  5. docker-compose.yml with docker-compose.offline.yml under podman-compose: up, all healthy, ingest, train and
#     classify, down (skipped with --no-compose).
# Everything it starts (containers, volumes, networks, the compose project) is removed on exit, also on failure;
# the images stay, so a second run builds only what changed.
#
# Podman runs with runc, explicit ulimits and its own containers.conf (CONTAINERS_CONF): crun refuses this kind of
# machine's cgroup v1 hybrid mode, and a container may not raise RLIMIT_NPROC above the caller's.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

compose=1
case "${1:-}" in
  "") ;;
  --no-compose) compose=0 ;;
  *) echo "usage: docker/test-containers.sh [--no-compose]" >&2; exit 64 ;;
esac

RUN="pfct-$$"                          # label and name prefix of everything this run starts
DEBIAN_BASE=localhost/pixelflow-ci/debian:bookworm
JDK_BASE=localhost/pixelflow-ci/jdk:17
JRE_BASE=localhost/pixelflow-ci/jre:17
TARGETS=(ingest-worker trainer-worker inference-worker broker)
COMPOSE_PROJECT=pixelflow-ci
MODEL=ci-cats-dogs
GRACE=30                               # seconds, as stop_grace_period in docker-compose.yml

say() { printf '%s containers: %s\n' "$(date +%T)" "$*"; }
die() { printf '%s containers: FAILED: %s\n' "$(date +%T)" "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
started_at="$(now)"

# ---------------------------------------------------------------- tools
[ "$(id -u)" = 0 ] || die "run as root: rootful Podman is what runs containers on this kind of machine"
need=()
for tool in podman runc debootstrap kcat podman-compose python3; do
  command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# bin/pixelflow builds and installs when one of its jars is missing or older than the sources or poms (its
# ensure_built): here the jars of the build that just ran must be used as they are, so the same test fails first.
cli_jar=cli/target/pixelflow-cli.jar
for jar in broker/target/pixelflow-broker.jar ingest-worker/target/pixelflow-ingest-worker.jar \
           trainer-worker/target/pixelflow-trainer-worker.jar inference-worker/target/pixelflow-inference-worker.jar \
           "$cli_jar" bench/target/pixelflow-bench.jar; do
  [ -f "$jar" ] || die "$jar is missing: run ./mvnw -B verify first"
done
stale="$(find . -path './*/src/main/*' -type f -newer "$cli_jar" -print -quit)$(find . -maxdepth 2 -name pom.xml -newer "$cli_jar" -print -quit)"
[ -z "$stale" ] || die "$stale is newer than $cli_jar: run ./mvnw -B verify first"
photos=""
for dir in "$ROOT" "$ROOT/.." "$ROOT/../.." "$ROOT/../../.."; do
  if [ -d "$dir/shared/datasets/dogs-vs-cats/train" ]; then photos="$(cd "$dir/shared/datasets/dogs-vs-cats" && pwd)"; break; fi
done
[ -n "$photos" ] || die "no shared/datasets/dogs-vs-cats/{train,test} in a parent directory (see README)"
held_out="$photos/test/cat.2000.jpg"
[ -f "$held_out" ] || die "no $held_out"

work="$(mktemp -d /tmp/pixelflow-containers.XXXXXX)"
nproc_limit=8192
nofile_limit="$(ulimit -Hn)"
[ "$nofile_limit" = unlimited ] && nofile_limit=1048576
cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = ["nproc=${nproc_limit}:${nproc_limit}", "nofile=${nofile_limit}:${nofile_limit}"]
[engine]
runtime = "runc"
events_logger = "file"
EOF
export CONTAINERS_CONF="$work/containers.conf"
# Without systemd, podman cannot schedule health checks (this script runs them itself) and says so on every start.
podman() { command podman "$@" 2> >(grep -v 'systemd connection\|failed to connect to syslog' >&2); }
compose_files=(-p "$COMPOSE_PROJECT" -f docker-compose.yml -f docker-compose.offline.yml)
compose_up=0
background=()
# podman-compose 1.0.3's down leaves the project's network behind.
compose_down() {
  podman-compose "${compose_files[@]}" down -v
  podman network rm -f "${COMPOSE_PROJECT}_default" >/dev/null 2>&1 || true
}

cleanup() {
  local rc=$?
  set +e
  for pid in "${background[@]}"; do kill "$pid" 2>/dev/null; done
  if [ $rc -ne 0 ]; then
    for c in $(podman ps -a --filter "label=dev.pixelflow.ci=$RUN" --format '{{.Names}}') \
             $(podman ps -a --filter "label=io.podman.compose.project=$COMPOSE_PROJECT" --format '{{.Names}}'); do
      echo "---- last lines of $c" >&2
      podman logs --tail 25 "$c" 2>&1 | sed 's/^/    /' >&2
    done
  fi
  [ $compose_up = 0 ] || compose_down >/dev/null 2>&1
  # -v: also the anonymous volumes of the images' VOLUMEs (the broker's data).
  podman ps -aq --filter "label=dev.pixelflow.ci=$RUN" | xargs -r podman rm -f -v -t 0 >/dev/null 2>&1
  podman volume ls -q --filter "label=dev.pixelflow.ci=$RUN" | xargs -r podman volume rm -f >/dev/null 2>&1
  podman network rm -f "$RUN" >/dev/null 2>&1
  rm -rf "$work"
  say "$([ $rc = 0 ] && echo passed || echo failed) in $(since "$started_at") s; everything started was removed"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- stand-in base images
if ! podman image exists "$DEBIAN_BASE"; then
  say "building $DEBIAN_BASE with debootstrap"
  t0="$(now)"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  tar -C "$work/rootfs" -c . | podman import -q - "$DEBIAN_BASE" >/dev/null
  rm -rf "$work/rootfs"
  say "$DEBIAN_BASE built in $(since "$t0") s"
fi
if ! podman image exists "$JDK_BASE" || ! podman image exists "$JRE_BASE"; then
  t0="$(now)"
  mkdir -p "$work/standin"
  cp docker/standin/Containerfile /etc/ssl/certs/java/cacerts "$work/standin/"
  for base in jre jdk; do
    image="$JRE_BASE"; [ $base = jre ] || image="$JDK_BASE"
    podman build --format docker --build-arg "DEBIAN_IMAGE=$DEBIAN_BASE" --target $base -t "$image" "$work/standin" \
      >"$work/build-$base.log" 2>&1 || { tail -30 "$work/build-$base.log" >&2; die "building the stand-in $image failed"; }
  done
  say "$JRE_BASE and $JDK_BASE built in $(since "$t0") s"
fi

# ---------------------------------------------------------------- the Dockerfile's targets
# --format docker keeps HEALTHCHECK (OCI images drop it). ~/.m2 comes in read-only as Maven's tail repository, and
# -o proves the build needs nothing from the network; a plain `docker build` downloads as before.
build_args=(--format docker --build-arg "JDK_IMAGE=$JDK_BASE" --build-arg "JRE_IMAGE=$JRE_BASE"
            --volume "$HOME/.m2:/host-m2:ro" --build-arg MAVEN_USER_HOME=/host-m2
            "--build-arg=MAVEN_ARGS=-o -Dmaven.repo.local.tail=/host-m2/repository")
for target in "${TARGETS[@]}"; do
  t0="$(now)"
  podman build "${build_args[@]}" --target "$target" -t "pixelflow/$target:dev" . >"$work/build-$target.log" 2>&1 \
    || { tail -30 "$work/build-$target.log" >&2; die "podman build --target $target failed"; }
  say "built pixelflow/$target:dev in $(since "$t0") s"
done

# Each image's size, and what all four take together: layers they share are counted once.
python3 - "${TARGETS[@]}" <<'EOF'
import json, subprocess, sys
def layers(image):
    """The image's size and its layers (diff id -> bytes): history steps that made a layer, in order."""
    info = json.loads(subprocess.check_output(["podman", "image", "inspect", image]))[0]
    steps = list(reversed(json.loads(subprocess.check_output(["podman", "history", "--format", "json", image]))))
    made = [h["size"] for step, h in zip(info["History"], steps) if not step.get("empty_layer", False)]
    assert len(info["History"]) == len(steps) and len(made) == len(info["RootFS"]["Layers"]), image
    return info["Size"], dict(zip(info["RootFS"]["Layers"], made))
seen, total = {}, 0
for target in sys.argv[1:]:
    size, image_layers = layers(f"pixelflow/{target}:dev")
    total += size
    seen.update(image_layers)
    print(f"    image pixelflow/{target + ':dev':26} {size / 1e6:6.0f} MB")
print(f"    all {len(sys.argv) - 1} images {sum(seen.values()) / 1e6:.0f} MB on disk, shared layers counted once"
      f" (the sum of their sizes is {total / 1e6:.0f} MB)")
EOF
podman run --rm --entrypoint sh pixelflow/ingest-worker:dev -c 'ls /opt/pixelflow/lib | grep -i nd4j' >/dev/null \
  && die "the ingest image carries ND4J"
say "the ingest image carries no ND4J"

# ---------------------------------------------------------------- containers on one network
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ext_port="$(free_port)"
bootstrap="127.0.0.1:$ext_port"
podman network create --label "dev.pixelflow.ci=$RUN" "$RUN" >/dev/null
podman volume create --label "dev.pixelflow.ci=$RUN" "$RUN-trainer-state" >/dev/null
podman volume create --label "dev.pixelflow.ci=$RUN" "$RUN-javacpp" >/dev/null
declare -A started=()
run() {  # run NAME IMAGE [podman run options...] [-- arguments of the image's entrypoint]
  local name="$1" image="$2"; shift 2
  local options=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do options+=("$1"); shift; done
  [ $# -eq 0 ] || shift
  podman run -d --name "$RUN-$name" --hostname "$name" --network-alias "$name" --label "dev.pixelflow.ci=$RUN" --network "$RUN" \
    -e KAFKA_BOOTSTRAP_SERVERS=kafka:9092 "${options[@]}" "$image" "$@" >/dev/null
  started[$name]="$(now)"
}
wait_healthy() {  # wait_healthy NAME...: prints each one's seconds from start to healthy
  local name
  local -A pending=()
  for name in "$@"; do pending[$name]=1; done
  local deadline=$((SECONDS + 240))
  while [ ${#pending[@]} -gt 0 ]; do
    for name in "${!pending[@]}"; do
      if podman healthcheck run "$RUN-$name" >/dev/null 2>&1; then
        say "$name healthy $(since "${started[$name]}") s after start"
        unset "pending[$name]"
      elif [ "$(podman inspect --format '{{.State.Running}}' "$RUN-$name")" != true ]; then
        die "$name exited before it was healthy"
      fi
    done
    [ $SECONDS -lt $deadline ] || die "not healthy within 240 s: ${!pending[*]}"
    sleep 0.5
  done
}
pixelflow() { "$ROOT/bin/pixelflow" "$@"; }

say "starting the broker (the Dockerfile's broker target) and the workers on network $RUN; host clients use $bootstrap"
run kafka pixelflow/broker:dev -p "$bootstrap:9094" -- --advertised-host kafka --external-listener "9094=$bootstrap"
wait_healthy kafka
run ingest pixelflow/ingest-worker:dev -e PIXELFLOW_INSTANCE_ID=ingest-1 -e PIXELFLOW_IMAGE_SIZE=64x64x3
trainer() { run trainer pixelflow/trainer-worker:dev -e PIXELFLOW_INSTANCE_ID=trainer-1 \
              -v "$RUN-trainer-state:/var/lib/pixelflow/trainer" -v "$RUN-javacpp:/var/cache/pixelflow/javacpp"; }
trainer
for i in 1 2; do
  run "inference-$i" pixelflow/inference-worker:dev -v "$RUN-javacpp:/var/cache/pixelflow/javacpp"
done
wait_healthy ingest trainer inference-1 inference-2

for name in kafka ingest trainer inference-1 inference-2; do
  uid="$(podman exec "$RUN-$name" id -u)"
  [ "$uid" = 10001 ] || die "$name runs as uid $uid, not 10001"
done
say "every container runs as uid 10001 (pixelflow), not root"

t0="$(now)"
pixelflow ingest "$photos/train" --limit-per-class 200 --size 64x64x3 --bootstrap "$bootstrap" >"$work/ingest.out" 2>&1 \
  || { cat "$work/ingest.out" >&2; die "ingest failed"; }
grep -q '400 tensors' "$work/ingest.out" || { cat "$work/ingest.out" >&2; die "ingest did not report 400 tensors"; }
say "ingested 400 photos at 64x64 in $(since "$t0") s: $(grep -m1 -E '[0-9]+ tensors?, ' "$work/ingest.out")"

t0="$(now)"
pixelflow train --model "$MODEL" --size 64x64x3 --preset small-cnn --epochs 1 --timeout 5m --bootstrap "$bootstrap" \
  >"$work/train.out" 2>&1 || { cat "$work/train.out" >&2; die "training failed"; }
say "trained 1 epoch in the trainer container in $(since "$t0") s: $(tail -1 "$work/train.out")"

metrics_of() {  # metrics_of CONTAINER PORT: the worker's /metrics, asked from inside its container
  podman exec "$1" bash -c "exec 3<>/dev/tcp/127.0.0.1/$2; printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3; cat <&3"
}
wait_serving() {  # wait_serving MODEL VERSION CONTAINER...: until each inference worker serves that version
  local container deadline=$((SECONDS + 120))
  for container in "${@:3}"; do
    until metrics_of "$container" 8083 | awk -v m="model=\"$1\"" -v v="$2" \
        'index($0, "pixelflow_inference_model_version{") == 1 && index($0, m) && $NF + 0 == v { found = 1 } END { exit !found }'; do
      [ $SECONDS -lt $deadline ] || die "$container does not serve $1:$2 within 120 s"
      sleep 1
    done
  done
}
wait_serving "$MODEL" 1 "$RUN-inference-1" "$RUN-inference-2"
say "both inference replicas serve $MODEL:1"

# An answer is correct in form when it is JSON with the schema version, the request id, a label of the data,
# a confidence, and the model and version that answered.
check_answer() {  # check_answer JSON REQUEST_ID VERSION
  python3 - "$@" <<'EOF' || die "bad answer: $1"
import json, sys
answer, request_id, version = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
assert answer["schemaVersion"] == 1, answer
assert answer["requestId"] == request_id and answer["correlationId"] == request_id, answer
assert answer["label"] in ("cat", "dog") and 0 <= answer["confidence"] <= 1, answer
assert answer["model"] == "ci-cats-dogs" and answer["version"] == version, answer
EOF
}
answer_of() {  # answer_of KEY: the committed answer to request KEY, waiting up to 60 s
  local deadline=$((SECONDS + 60)) line
  while [ $SECONDS -lt $deadline ]; do
    line="$(kcat -C -b "$bootstrap" -t classify.results -X isolation.level=read_committed -o beginning -e -q \
              -f '%k\t%s\n' 2>/dev/null | awk -F'\t' -v k="$1" '$1 == k { print $2 }' | tail -1)"
    [ -n "$line" ] && { echo "$line"; return; }
    sleep 1
  done
  die "no answer to $1 within 60 s"
}
kcat -P -b "$bootstrap" -t classify.requests -k ci-kcat-1 -H correlation-id=ci-kcat-1 -H "model=$MODEL" "$held_out"
answer="$(answer_of ci-kcat-1)"
check_answer "$answer" ci-kcat-1 1
say "kcat: $answer"

out="$(pixelflow classify "$held_out" --model "$MODEL" --json --bootstrap "$bootstrap")" || die "bin/pixelflow classify failed"
python3 -c 'import json, sys; a = json.loads(sys.argv[1]); assert a["model"] == "ci-cats-dogs" and a["version"] == 1 and a["label"] in ("cat", "dog"), a' "$out" \
  || die "bin/pixelflow classify answered $out"
say "bin/pixelflow classify: $out"

# Two replicas in one group: each holds some of classify.requests' partitions, so each answers some requests.
requests_of() {
  metrics_of "$RUN-$1" 8083 | awk '/^pixelflow_inference_requests_total/ { n += $NF } END { printf "%d", n }'
}
before=("$(requests_of inference-1)" "$(requests_of inference-2)")
for i in $(seq 1 24); do
  kcat -P -b "$bootstrap" -t classify.requests -k "ci-replica-$i" -H "model=$MODEL" "$held_out"
done
answer_of ci-replica-24 >/dev/null
counts=("$(( $(requests_of inference-1) - before[0] ))" "$(( $(requests_of inference-2) - before[1] ))")
[ "${counts[0]}" -gt 0 ] && [ "${counts[1]}" -gt 0 ] || die "not both replicas answered the 24 requests: they read ${counts[*]}"
say "two inference replicas in one group both answer: of 24 requests they read ${counts[0]} and ${counts[1]}"

# The trainer killed mid-job resumes the job from its last finished epoch when started again on its volume.
pixelflow train --model ci-resume --size 64x64x3 --preset small-cnn --epochs 3 --timeout 5m --bootstrap "$bootstrap" \
  >"$work/resume.out" 2>&1 &
follower=$!
background+=("$follower")
deadline=$((SECONDS + 180))
until podman logs "$RUN-trainer" 2>&1 | grep -Eq 'job [^ ]+ epoch 1/3: loss'; do
  [ $SECONDS -lt $deadline ] || die "the second job finished no epoch within 180 s"
  sleep 0.5
done
podman kill -s KILL "$RUN-trainer" >/dev/null
podman rm -f -v "$RUN-trainer" >/dev/null
say "trainer killed (SIGKILL) after epoch 1 of 3; starting it again on the same state volume"
trainer
wait_healthy trainer
wait "$follower" || { cat "$work/resume.out" >&2; die "the job did not finish after the restart"; }
podman logs "$RUN-trainer" 2>&1 | grep -E 'resuming after epoch [12] of 3' >/dev/null \
  || die "the restarted trainer did not resume the job"
say "the restarted trainer logged '$(podman logs "$RUN-trainer" 2>&1 | grep -oE 'resuming after epoch [0-9]+ of 3' | head -1)' and finished the job"

# podman stop: SIGTERM, then the worker's own clean shutdown well within the grace period.
for name in ingest trainer inference-1 inference-2 kafka; do
  t0="$(now)"
  podman stop -t "$GRACE" "$RUN-$name" >/dev/null
  took="$(since "$t0")"
  code="$(podman inspect --format '{{.State.ExitCode}}' "$RUN-$name")"
  [ "$code" = 143 ] || die "$name exited with $code after SIGTERM, not 143"
  awk -v t="$took" -v g="$GRACE" 'BEGIN { exit !(t < g) }' || die "$name took $took s to stop (grace $GRACE s)"
  if [ "$name" != kafka ]; then
    podman logs "$RUN-$name" 2>&1 | grep -q 'worker: stopped' || die "$name logged no 'stopped' line"
  fi
  say "$name stopped in $took s (exit 143)"
done

# ---------------------------------------------------------------- compose
if [ $compose = 1 ]; then
  for port in 9094 8081 8082; do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && die "127.0.0.1:$port, which docker-compose.yml publishes, is taken"
  done
  say "podman-compose ${compose_files[*]} up"
  t0="$(now)"
  compose_up=1
  podman-compose "${compose_files[@]}" up -d >"$work/compose-up.log" 2>&1 \
    || { tail -30 "$work/compose-up.log" >&2; die "podman-compose up failed"; }
  deadline=$((SECONDS + 240))
  for service in kafka ingest-worker trainer-worker inference-worker; do
    container="${COMPOSE_PROJECT}_${service}_1"
    until podman healthcheck run "$container" >/dev/null 2>&1; do
      [ $SECONDS -lt $deadline ] || die "compose service $service not healthy within 240 s"
      sleep 0.5
    done
    say "compose: $service healthy $(since "$t0") s after up"
  done
  compose_bootstrap=localhost:9094
  pixelflow ingest "$photos/train" --limit-per-class 50 --size 64x64x3 --bootstrap "$compose_bootstrap" >"$work/c-ingest.out" 2>&1 \
    || { cat "$work/c-ingest.out" >&2; die "compose: ingest failed"; }
  grep -q '100 tensors' "$work/c-ingest.out" || { cat "$work/c-ingest.out" >&2; die "compose: ingest did not report 100 tensors"; }
  pixelflow train --model "$MODEL" --size 64x64x3 --preset small-cnn --epochs 1 --timeout 5m --bootstrap "$compose_bootstrap" \
    >"$work/c-train.out" 2>&1 || { cat "$work/c-train.out" >&2; die "compose: training failed"; }
  wait_serving "$MODEL" 1 "${COMPOSE_PROJECT}_inference-worker_1"
  out="$(pixelflow classify "$held_out" --model "$MODEL" --json --bootstrap "$compose_bootstrap")" || die "compose: classify failed"
  python3 -c 'import json, sys; a = json.loads(sys.argv[1]); assert a["model"] == "ci-cats-dogs" and a["version"] == 1, a' "$out" \
    || die "compose: classify answered $out"
  say "compose: ingested 100 photos, trained 1 epoch, classified: $out"
  compose_down >"$work/compose-down.log" 2>&1 || { tail -20 "$work/compose-down.log" >&2; die "podman-compose down failed"; }
  compose_up=0
  left="$(podman ps -a --filter "label=io.podman.compose.project=$COMPOSE_PROJECT" --format '{{.Names}}')"
  [ -z "$left" ] || die "podman-compose down left containers: $left"
  say "compose: down, nothing left"
fi
