# syntax=docker/dockerfile:1
# pixelflow workers as container images: one build stage, then one runtime target per worker.
#
#   docker build --target inference-worker -t pixelflow/inference-worker .
#   docker compose up --build            (docker-compose.yml builds all three and starts a Kafka broker)
#
# Images are linux/amd64 only: the build pulls the linux-x86_64 native libraries of ND4J and OpenCV
# (javacpp.platform in .mvn/maven.config), and those are built against glibc, so the runtime is the
# Ubuntu-based Temurin JRE, not an Alpine (musl) one.

############################ build ############################
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
# The wrapper and the poms change rarely, the sources often; copying them first keeps the layers apart.
COPY mvnw ./
COPY .mvn/ .mvn/
COPY pom.xml ./
# Every module the parent pom lists must be present for Maven to read the reactor, even the ones not built.
COPY common/ common/
COPY imaging/ imaging/
COPY engine/ engine/
COPY broker/ broker/
COPY testkit/ testkit/
COPY ingest-worker/ ingest-worker/
COPY trainer-worker/ trainer-worker/
COPY inference-worker/ inference-worker/
COPY cli/ cli/
COPY bench/ bench/
COPY reliability/ reliability/
COPY architecture/ architecture/
# The cache mount keeps ~/.m2 (the Maven distribution the wrapper fetches and all dependencies) between
# builds, so a source change does not download a gigabyte of native libraries again.
# Only the workers and what they need are built: the broker's Scala jars and the CLI are not in any image.
RUN --mount=type=cache,target=/root/.m2 \
    chmod +x mvnw && \
    ./mvnw -B -q -DskipTests -pl ingest-worker,trainer-worker,inference-worker -am package

############################ common runtime ############################
FROM eclipse-temurin:17-jre AS runtime
# A fixed uid/gid above the distribution's range, so volume ownership is predictable across rebuilds.
RUN groupadd --system --gid 10001 pixelflow && \
    useradd --system --uid 10001 --gid pixelflow --create-home --home-dir /home/pixelflow \
            --shell /usr/sbin/nologin pixelflow && \
    mkdir -p /opt/pixelflow /var/cache/pixelflow/javacpp && \
    chown pixelflow:pixelflow /var/cache/pixelflow/javacpp
COPY --chmod=0755 docker/entrypoint.sh docker/healthcheck.sh /opt/pixelflow/
WORKDIR /opt/pixelflow
# JAVA_HEAP_OPTS: the heap is sized from the container's memory limit, not the host's.
# JAVA_OPTS: die on OutOfMemoryError so the orchestrator restarts a clean JVM; the --add-opens are the ones
# ND4J and Kafka need on Java 17 (the same as bin/pixelflow). JavaCPP unpacks the native libraries (hundreds
# of MB) into its cache dir at first use: a volume there (docker-compose.yml has one) saves doing it again on
# every start. PIXELFLOW_JAVA_OPTS adds flags without repeating these.
ENV JAVA_HEAP_OPTS="-XX:MaxRAMPercentage=75" \
    JAVA_OPTS="-XX:+ExitOnOutOfMemoryError -XX:+UseParallelGC \
--add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
--add-opens java.base/java.lang=ALL-UNNAMED -Dorg.bytedeco.javacpp.cachedir=/var/cache/pixelflow/javacpp" \
    PIXELFLOW_HTTP_HOST=0.0.0.0 \
    OMP_WAIT_POLICY=PASSIVE
USER pixelflow

############################ ingest-worker ############################
FROM runtime AS ingest-worker
# Dependencies first: they change less often than the worker's own jar.
COPY --from=build /src/ingest-worker/target/lib/ /opt/pixelflow/lib/
COPY --from=build /src/ingest-worker/target/pixelflow-ingest-worker.jar /opt/pixelflow/
ENV PIXELFLOW_HTTP_PORT=8081
EXPOSE 8081
# healthcheck.sh asks GET /health on PIXELFLOW_HTTP_PORT over bash's /dev/tcp: no curl in the image.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["/opt/pixelflow/healthcheck.sh"]
ENTRYPOINT ["/opt/pixelflow/entrypoint.sh", "/opt/pixelflow/pixelflow-ingest-worker.jar"]

############################ trainer-worker ############################
FROM runtime AS trainer-worker
USER root
# The trainer draws history charts (AWT): it needs fontconfig and one font, which a slim JRE image may lack.
RUN apt-get update && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fontconfig fonts-dejavu-core && \
    rm -rf /var/lib/apt/lists/* && \
    mkdir -p /var/lib/pixelflow/trainer && chown pixelflow:pixelflow /var/lib/pixelflow/trainer
USER pixelflow
COPY --from=build /src/trainer-worker/target/lib/ /opt/pixelflow/lib/
COPY --from=build /src/trainer-worker/target/pixelflow-trainer-worker.jar /opt/pixelflow/
# ND4J keeps weights, activations and gradients off the Java heap (JavaCPP allows as much again as the heap):
# half the container's memory for the heap leaves the other half for them.
ENV JAVA_HEAP_OPTS="-XX:MaxRAMPercentage=50" \
    PIXELFLOW_HTTP_PORT=8082 \
    PIXELFLOW_STATE_DIR=/var/lib/pixelflow/trainer
# Checkpoints and job state: a restarted trainer resumes from here.
VOLUME /var/lib/pixelflow/trainer
EXPOSE 8082
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 CMD ["/opt/pixelflow/healthcheck.sh"]
ENTRYPOINT ["/opt/pixelflow/entrypoint.sh", "/opt/pixelflow/pixelflow-trainer-worker.jar"]

############################ inference-worker ############################
FROM runtime AS inference-worker
COPY --from=build /src/inference-worker/target/lib/ /opt/pixelflow/lib/
COPY --from=build /src/inference-worker/target/pixelflow-inference-worker.jar /opt/pixelflow/
# Same split as the trainer: the model's weights and activations live off-heap in ND4J.
ENV JAVA_HEAP_OPTS="-XX:MaxRAMPercentage=50" \
    PIXELFLOW_HTTP_PORT=8083
EXPOSE 8083
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 CMD ["/opt/pixelflow/healthcheck.sh"]
ENTRYPOINT ["/opt/pixelflow/entrypoint.sh", "/opt/pixelflow/pixelflow-inference-worker.jar"]
