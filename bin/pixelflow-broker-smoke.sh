#!/usr/bin/env bash
# Smoke test of the packaged broker: start time, 127.0.0.1-only listeners, clean SIGTERM stop, and a restart
# that keeps topics and records. Needs `mvn -pl broker -am package` first; uses kcat for reading if present.
#   bin/pixelflow-broker-smoke.sh [PORT]      (controller port = PORT+1; default 19092)
# JAVA_OPTS is passed to the broker JVM, e.g. JAVA_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/broker/target/pixelflow-broker.jar"
PORT="${1:-19092}"
CONTROLLER_PORT=$((PORT + 1))
BOOTSTRAP="127.0.0.1:$PORT"
WORK="$(mktemp -d -t pixelflow-broker-smoke.XXXXXX)"
DATA="$WORK/data"
PID=""

[[ -f "$JAR" ]] || { echo "smoke: $JAR missing; run: mvn -B -o -pl broker -am package -DskipTests" >&2; exit 1; }

cleanup() {
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# A one-file Java client (JDK source launcher) on the broker's own kafka-clients: create, produce, list, count.
cat > "$WORK/SmokeClient.java" <<'JAVA'
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.*;

public class SmokeClient {
    public static void main(String[] a) throws Exception {
        String bootstrap = a[0], action = a[1], topic = a.length > 2 ? a[2] : "";
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        switch (action) {
            case "create" -> {
                try (Admin admin = Admin.create(p)) { admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(); }
                p.put("acks", "all");
                try (Producer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                    for (int i = 0; i < 3; i++) producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
                }
                System.out.println("created " + topic + " with 2 partitions and wrote 3 records");
            }
            case "list" -> { try (Admin admin = Admin.create(p)) { System.out.println("topics: " + new TreeSet<>(admin.listTopics().names().get())); } }
            case "count" -> {
                try (Consumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
                    List<TopicPartition> tps = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
                    c.assign(tps); c.seekToBeginning(tps);
                    Map<TopicPartition, Long> end = c.endOffsets(tps);
                    List<String> values = new ArrayList<>();
                    long deadline = System.currentTimeMillis() + 20_000;
                    while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.currentTimeMillis() < deadline) {
                        c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.key() + "=" + r.value()));
                    }
                    Collections.sort(values);
                    System.out.println("records in " + topic + ": " + values);
                }
            }
            default -> throw new IllegalArgumentException(action);
        }
    }
}
JAVA
# The broker jar is on the class path for its logback file (WARN, to stderr).
client() { java -cp "$JAR:$ROOT/broker/target/lib/*" -Dlogback.configurationFile=pixelflow-broker-logback.xml \
  "$WORK/SmokeClient.java" "$@" 2>"$WORK/client.stderr" || { cat "$WORK/client.stderr" >&2; return 1; }; }

start_broker() {
  local out="$WORK/stdout.$1" start end
  : > "$out"
  start=$(date +%s%N)
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
  java ${JAVA_OPTS:-} -jar "$JAR" --port "$PORT" --controller-port "$CONTROLLER_PORT" --data-dir "$DATA" > "$out" 2> "$WORK/stderr.$1" &
  PID=$!
  until grep -q '^pixelflow broker ready' "$out"; do
    kill -0 "$PID" 2>/dev/null || { echo "smoke: broker exited early:" >&2; cat "$WORK/stderr.$1" >&2; exit 1; }
    (( ($(date +%s%N) - start) / 1000000 < 30000 )) || { echo "smoke: no ready line within 30 s" >&2; exit 1; }
    sleep 0.05
  done
  end=$(date +%s%N)
  echo "[$1] $(cat "$out")"
  echo "[$1] ready after $(( (end - start) / 1000000 )) ms (pid $PID)"
}

stop_broker() {
  kill -TERM "$PID"
  local code=0
  wait "$PID" || code=$?
  echo "[$1] SIGTERM -> exit status $code; $(grep -o 'stopped in [0-9]* ms' "$WORK/stderr.$1" || echo 'no stop line')"
  PID=""
}

start_broker first
echo "[first] listening sockets (ss -ltn):"
ss -ltn | awk -v p=":$PORT\$" -v c=":$CONTROLLER_PORT\$" 'NR == 1 || $4 ~ p || $4 ~ c'
if ss -ltn | awk '{print $4}' | grep -E ":($PORT|$CONTROLLER_PORT)\$" | grep -vq '127\.0\.0\.1'; then
  echo "smoke: a broker port is bound beyond 127.0.0.1" >&2; exit 1
fi
client "$BOOTSTRAP" create smoke
stop_broker first

start_broker second
client "$BOOTSTRAP" list
client "$BOOTSTRAP" count smoke
if command -v kcat >/dev/null; then
  echo "[second] kcat -L:"; kcat -b "$BOOTSTRAP" -L -t smoke | sed 's/^/  /'
fi
stop_broker second
echo "smoke: OK"
