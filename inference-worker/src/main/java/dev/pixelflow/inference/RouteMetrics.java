package dev.pixelflow.inference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Answers per model, version and route on {@code /metrics}, so that a dashboard can set a canary beside production:
 * {@code pixelflow_inference_routed_total} (answers), {@code pixelflow_inference_confidence} (a histogram of the
 * winning class's probability) and {@code pixelflow_inference_model_latency} (p50/p99). Shadow answers count under
 * route {@code shadow}. Request-loop thread only.
 */
final class RouteMetrics {
    private static final double[] CONFIDENCE_BUCKETS = {0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99};

    private record Meters(Counter answers, DistributionSummary confidence, Timer latency) {
    }

    private final MeterRegistry registry;
    private final Map<String, Meters> meters = new HashMap<>();

    RouteMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(String model, int version, String route, double confidence, long latencyMs) {
        String v = Integer.toString(version);
        Meters m = meters.computeIfAbsent(model + ":" + v + "/" + route, k -> new Meters(
                Counter.builder("pixelflow_inference_routed").description("answers by model, version and route")
                        .tags("model", model, "version", v, "route", route).register(registry),
                DistributionSummary.builder("pixelflow_inference_confidence")
                        .description("probability of the answered class, by model, version and route")
                        .serviceLevelObjectives(CONFIDENCE_BUCKETS)
                        .tags("model", model, "version", v, "route", route).register(registry),
                Timer.builder("pixelflow_inference_model_latency")
                        .description("request timestamp to answer, by model, version and route")
                        .publishPercentiles(0.5, 0.99).tags("model", model, "version", v, "route", route)
                        .register(registry)));
        m.answers().increment();
        m.confidence().record(confidence);
        m.latency().record(latencyMs, TimeUnit.MILLISECONDS);
    }
}
