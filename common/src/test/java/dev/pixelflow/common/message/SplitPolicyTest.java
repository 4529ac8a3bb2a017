package dev.pixelflow.common.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class SplitPolicyTest {
    @Test
    void splitIsAFunctionOfTheHashAndNearTheFraction() {
        SplitPolicy policy = new SplitPolicy(0.2);
        int val = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            byte[] hash = ContentHash.sha256(ByteBuffer.allocate(4).putInt(i).array());
            Split s = policy.splitOf(hash);
            assertThat(policy.splitOf(hash.clone())).isEqualTo(s);
            if (s == Split.VALIDATION) {
                val++;
            }
        }
        assertThat(val / (double) n).isBetween(0.19, 0.21);
    }

    @Test
    void zeroFractionMeansAllTraining() {
        assertThat(new SplitPolicy(0).splitOf(new byte[32])).isEqualTo(Split.TRAIN);
    }
}
