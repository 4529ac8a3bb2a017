package dev.pixelflow.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReplyTopicsTest {
    @Test
    void asksOnceAndRemembersForAWhile() throws Exception {
        List<String> asked = new ArrayList<>();
        Set<String> existing = new java.util.HashSet<>(Set.of("mine"));
        AtomicLong now = new AtomicLong(0);
        ReplyTopics topics = new ReplyTopics(t -> {
            asked.add(t);
            return existing.contains(t);
        }, now::get, "results");
        assertThat(topics.exists("results")).isTrue();
        assertThat(topics.exists("mine")).isTrue();
        assertThat(topics.exists("mine")).isTrue();
        assertThat(topics.exists("gone")).isFalse();
        assertThat(topics.exists("gone")).isFalse();
        assertThat(asked).containsExactly("mine", "gone");

        existing.add("gone");
        now.set(ReplyTopics.MISSING_TTL_MS + 1);
        assertThat(topics.exists("gone")).isTrue();
        assertThat(topics.exists("mine")).isTrue();
        assertThat(asked).containsExactly("mine", "gone", "gone");
    }
}
