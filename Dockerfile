# syntax=docker/dockerfile:1
# pixelflow workers as container images: one build stage, then one runtime target per worker, and a broker.
#
#   docker build --target inference-worker -t pixelflow/inference-worker .
#   docker compose up --build            (docker-compose.yml builds all three and starts a Kafka broker)
#   docker build --target broker -t pixelflow/broker .     (pixelflow's own single-node KRaft broker)
#
# Layers: the workers' images stack on shared stages, so pulling all three does not triple the bytes:
#   runtime  (JRE, user, scripts) -> libs (jars every worker runs) -> ingest-worker
#                                                                  -> engine-libs (ND4J) -> trainer-worker, inference-worker
#
# Images are linux/amd64 only: the build pulls the linux-x86_64 native libraries of ND4J and OpenCV
# (javacpp.platform in .mvn/maven.config), and those are built against glibc, so the runtime is the
# Ubuntu-based Temurin JRE, not an Alpine (musl) one.
#
# JDK_IMAGE / JRE_IMAGE name the base images; the defaults are what users get. docker/test-containers.sh builds
# with stand-ins made from Debian's OpenJDK 17 on machines that reach no container registry.
ARG JDK_IMAGE=eclipse-temurin:17-jdk
ARG JRE_IMAGE=eclipse-temurin:17-jre

############################ build ############################
FROM ${JDK_IMAGE} AS build
# Both empty unless given: MAVEN_ARGS is added to every Maven command line (Maven 3.9 reads it), MAVEN_USER_HOME
# is where the wrapper finds its Maven distribution. docker/test-containers.sh uses them to read the build
# machine's ~/.m2 (mounted read-only) as a tail repository instead of downloading it again.
ARG MAVEN_ARGS=""
ARG MAVEN_USER_HOME=""
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
COPY docker/layer-libs.sh docker/
# The cache mount keeps ~/.m2 (the Maven distribution the wrapper fetches and all dependencies) between
# builds, so a source change does not download a gigabyte of native libraries again.
# Only the workers, the broker and what they need are built: the CLI is not in any image.
RUN --mount=type=cache,target=/root/.m2 \
    chmod +x mvnw && \
    ./mvnw -B -q -DskipTests -pl ingest-worker,trainer-worker,inference-worker,broker -am package && \
    docker/layer-libs.sh /layers

############################ common runtime ############################
FROM ${JRE_IMAGE} AS runtime
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

############################ shared libraries ############################
# docker/layer-libs.sh sorted the jars: one layer with what every worker runs, one more with the engine's.
FROM runtime AS libs
COPY --from=build /layers/shared/lib/ /opt/pixelflow/lib/

FROM libs AS engine-libs
COPY --from=build /layers/engine/lib/ /opt/pixelflow/lib/

############################ ingest-worker ############################
# Decodes and resizes with OpenCV; runs no network, so it carries no ND4J.
FROM libs AS ingest-worker
# The worker's own jars (pixelflow's modules and the worker) last: they change with every commit.
COPY --from=build /layers/ingest/ /opt/pixelflow/
ENV PIXELFLOW_HTTP_PORT=8081
EXPOSE 8081
# healthcheck.sh asks GET /health on PIXELFLOW_HTTP_PORT over bash's /dev/tcp: no curl in the image.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["/opt/pixelflow/healthcheck.sh"]
ENTRYPOINT ["/opt/pixelflow/entrypoint.sh", "/opt/pixelflow/pixelflow-ingest-worker.jar"]

############################ trainer-worker ############################
FROM engine-libs AS trainer-worker
USER root
# The trainer draws history charts (AWT): it needs fontconfig and one font, which a slim JRE image may lack.
RUN apt-get update && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fontconfig fonts-dejavu-core && \
    rm -rf /var/lib/apt/lists/* && \
    mkdir -p /var/lib/pixelflow/trainer && chown pixelflow:pixelflow /var/lib/pixelflow/trainer
USER pixelflow
COPY --from=build /layers/trainer/ /opt/pixelflow/
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
FROM engine-libs AS inference-worker
COPY --from=build /layers/inference/ /opt/pixelflow/
# Same split as the trainer: the model's weights and activations live off-heap in ND4J.
ENV JAVA_HEAP_OPTS="-XX:MaxRAMPercentage=50" \
    PIXELFLOW_HTTP_PORT=8083
EXPOSE 8083
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 CMD ["/opt/pixelflow/healthcheck.sh"]
ENTRYPOINT ["/opt/pixelflow/entrypoint.sh", "/opt/pixelflow/pixelflow-inference-worker.jar"]

############################ broker ############################
# pixelflow's own single-node Kafka broker (KRaft), the one `bin/pixelflow broker` runs: a one-image local broker,
# and the stand-in for apache/kafka in docker-compose.offline.yml (hence apache/kafka's data path). It shares only
# the runtime stage with the workers: its Kafka server jars are its own.
#   docker run -p 9092:9092 pixelflow/broker          clients on the host bootstrap from localhost:9092
# Clients that reach it by another name need that name advertised: --advertised-host HOST, and for a second
# address (the host, through a published port) --external-listener PORT=HOST:PORT; see docker-compose.offline.yml.
FROM runtime AS broker
USER root
RUN mkdir -p /var/lib/kafka/data && chown pixelflow:pixelflow /var/lib/kafka/data
USER pixelflow
COPY --from=build /src/broker/target/lib/ /opt/pixelflow/lib/
COPY --from=build /src/broker/target/pixelflow-broker.jar /opt/pixelflow/
# Topics and the cluster id: a broker restarted on this volume keeps its records.
VOLUME /var/lib/kafka/data
EXPOSE 9092
# Healthy once the client port accepts connections: the broker opens it when it is ready to serve.
HEALTHCHECK --interval=5s --timeout=5s --start-period=30s --retries=6 CMD ["/opt/pixelflow/healthcheck.sh", "tcp://127.0.0.1:9092"]
# Client listeners on every interface of the container; the KRaft controller stays on loopback.
ENTRYPOINT ["java", "-Xmx1g", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/pixelflow/pixelflow-broker.jar", \
            "--port", "9092", "--controller-port", "9093", "--data-dir", "/var/lib/kafka/data", "--listen-address", "0.0.0.0"]
