package dev.pixelflow.reliability;

import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.message.TensorRecord;
import dev.pixelflow.common.message.TensorRecordSerde;
import dev.pixelflow.common.model.ModelAssembler;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.inference.InferenceWorker;
import dev.pixelflow.testkit.TopicReader;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What must hold after every scenario, read with read_committed consumers from the topics' beginnings:
 * each raw image is in exactly one of tensors / images.dlq; each request has exactly one answer; each published
 * model version is complete and verifies.
 */
final class Invariants {
    private Invariants() {
    }

    /**
     * Where the raw inputs went.
     *
     * @param ingested   inputs with exactly one tensor and no dead letter
     * @param deadLetter inputs with exactly one dead letter and no tensor
     * @param lost       inputs found in neither topic
     * @param duplicated inputs found more than once (in one topic or both)
     * @param unknown    records whose id is not one of the inputs
     * @param goodInDlq  good photos that were dead-lettered
     * @param badIngested poison of a kind that must be rejected, yet ingested
     */
    record IngestOutcome(int inputs, int ingested, int deadLetter, List<String> lost, List<String> duplicated,
                         int unknown, List<String> goodInDlq, List<String> badIngested, Map<String, Integer> dlqByReason) {
        boolean exactlyOnce() {
            return lost.isEmpty() && duplicated.isEmpty() && unknown == 0 && ingested + deadLetter == inputs;
        }
    }

    static IngestOutcome ingest(String bootstrap, Topics topics, Collection<Inputs.Input> inputs) {
        TensorRecordSerde serde = new TensorRecordSerde();
        Map<String, Integer> tensors = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(bootstrap, topics.tensors.name())) {
            TensorRecord t = serde.deserialize(r.topic(), r.value());
            tensors.merge(t.sourceId(), 1, Integer::sum);
        }
        Map<String, Integer> dlq = new HashMap<>();
        Map<String, Integer> reasons = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(bootstrap, topics.imagesDlq.name())) {
            dlq.merge(r.key(), 1, Integer::sum);
            reasons.merge(String.valueOf(dev.pixelflow.common.message.MessageHeaders.text(r.headers(),
                    dev.pixelflow.common.message.MessageHeaders.ERROR_REASON)), 1, Integer::sum);
        }
        Set<String> ids = new HashSet<>();
        List<String> lost = new ArrayList<>();
        List<String> duplicated = new ArrayList<>();
        List<String> goodInDlq = new ArrayList<>();
        List<String> badIngested = new ArrayList<>();
        int ingested = 0;
        int dead = 0;
        for (Inputs.Input in : inputs) {
            ids.add(in.id());
            int t = tensors.getOrDefault(in.id(), 0);
            int d = dlq.getOrDefault(in.id(), 0);
            if (t + d == 0) {
                lost.add(in.id());
            } else if (t + d > 1) {
                duplicated.add(in.id());
            } else if (t == 1) {
                ingested++;
                if (in.bad() && in.poison().mustBeRejected()) {
                    badIngested.add(in.id() + " (" + in.poison() + ")");
                }
            } else {
                dead++;
                if (!in.bad()) {
                    goodInDlq.add(in.id());
                }
            }
        }
        int unknown = (int) (tensors.keySet().stream().filter(k -> !ids.contains(k)).count()
                + dlq.keySet().stream().filter(k -> !ids.contains(k)).count());
        return new IngestOutcome(inputs.size(), ingested, dead, lost, duplicated, unknown, goodInDlq, badIngested, reasons);
    }

    /**
     * What became of the requests.
     *
     * @param answered  requests with exactly one answer
     * @param lost      requests without an answer
     * @param duplicated requests with more than one answer
     * @param byOutcome answers by "ok" or error code
     * @param answers   the single answer of each request (with its record timestamp)
     */
    record AnswerOutcome(int requests, int answered, List<String> lost, List<String> duplicated, int unknown,
                         List<String> goodFailed, List<String> badOk, Map<String, Integer> byOutcome,
                         Map<String, ConsumerRecord<String, ClassifyResult>> answers) {
        boolean exactlyOnce() {
            return lost.isEmpty() && duplicated.isEmpty() && unknown == 0 && answered == requests;
        }
    }

    /**
     * Where the answers of a request answered more than once sit, and how often the request itself is in the request
     * topic: a client that wrote it twice and a worker that answered it twice are different bugs.
     */
    private static String describeDuplicate(List<String> requests, List<ConsumerRecord<String, ClassifyResult>> answers) {
        List<String> where = answers.stream().map(r -> r.partition() + "@" + r.offset() + " by "
                + MessageHeaders.text(r.headers(), InferenceWorker.ANSWERED_BY) + " in " + r.value().latencyMs() + " ms")
                .toList();
        return "(request at " + requests + ", answers at " + where + ")";
    }

    static AnswerOutcome answers(String bootstrap, Topics topics, Collection<Inputs.Input> inputs) {
        Map<String, List<ConsumerRecord<String, ClassifyResult>>> byId = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(bootstrap, topics.classifyResults.name())) {
            ClassifyResult result = ClassifyResult.SERDE.deserialize(r.topic(), r.value());
            byId.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(new ConsumerRecord<>(r.topic(), r.partition(),
                    r.offset(), r.timestamp(), r.timestampType(), r.serializedKeySize(), r.serializedValueSize(), r.key(),
                    result, r.headers(), r.leaderEpoch()));
        }
        Set<String> ids = new HashSet<>();
        List<String> lost = new ArrayList<>();
        List<String> duplicated = new ArrayList<>();
        List<String> goodFailed = new ArrayList<>();
        List<String> badOk = new ArrayList<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        Map<String, ConsumerRecord<String, ClassifyResult>> single = new HashMap<>();
        int answered = 0;
        for (Inputs.Input in : inputs) {
            ids.add(in.id());
            List<ConsumerRecord<String, ClassifyResult>> rs = byId.getOrDefault(in.id(), List.of());
            if (rs.isEmpty()) {
                lost.add(in.id());
                continue;
            }
            if (rs.size() > 1) {
                duplicated.add(in.id());
                continue;
            }
            answered++;
            ClassifyResult result = rs.get(0).value();
            single.put(in.id(), rs.get(0));
            outcomes.merge(result.ok() ? "ok" : result.error(), 1, Integer::sum);
            if (!in.bad() && !result.ok() && !"expired".equals(result.error())) {
                goodFailed.add(in.id() + " (" + result.error() + ": " + result.detail() + ")");
            }
            if (in.bad() && in.poison().mustBeRejected() && result.ok()) {
                badOk.add(in.id() + " (" + in.poison() + ")");
            }
        }
        int unknown = (int) byId.keySet().stream().filter(k -> !ids.contains(k)).count();
        if (!duplicated.isEmpty()) {
            Map<String, List<String>> requestsAt = new HashMap<>();
            for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(bootstrap, topics.classifyRequests.name())) {
                requestsAt.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.partition() + "@" + r.offset());
            }
            duplicated.replaceAll(id -> id + " " + describeDuplicate(requestsAt.getOrDefault(id, List.of()), byId.get(id)));
        }
        return new AnswerOutcome(inputs.size(), answered, lost, duplicated, unknown, goodFailed, badOk, outcomes, single);
    }

    /** Complete, verified versions and the refs of broken ones (missing chunks, hash or size mismatch). */
    record ModelOutcome(List<ModelVersion> complete, List<String> broken) {
    }

    static ModelOutcome models(String bootstrap, Topics topics) {
        List<ModelVersion> complete = new ArrayList<>();
        List<String> broken = new ArrayList<>();
        ModelAssembler assembler = new ModelAssembler(new ModelAssembler.Listener() {
            @Override
            public void onVersion(ModelVersion version, byte[] artifact) {
                complete.add(version);
            }

            @Override
            public void onBroken(String ref, String reason) {
                broken.add(ref + ": " + reason);
            }
        }, false);
        TopicReader.readAll(bootstrap, topics.models.name()).forEach(assembler::accept);
        return new ModelOutcome(complete, broken);
    }

    /**
     * Heap after GC is stable when the last sample exceeds the first by at most 10 % (plus 4 MiB: a heap of a few
     * tens of MiB moves by that much with class loading and JIT metadata alone).
     */
    static boolean heapStable(List<Long> samples) {
        if (samples.size() < 2) {
            return true;
        }
        long first = samples.get(0);
        long last = samples.get(samples.size() - 1);
        return last <= first * 1.10 + 4L * 1024 * 1024;
    }
}
