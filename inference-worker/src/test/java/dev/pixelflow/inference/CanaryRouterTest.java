package dev.pixelflow.inference;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CanaryRouterTest {
    @Test
    void aTenPercentCanaryTakesTenPercentOfTenThousandRequestIds() {
        int canary = 0;
        for (int i = 0; i < 10_000; i++) {
            if (CanaryRouter.toCanary("req-" + i, 10)) {
                canary++;
            }
        }
        assertThat(canary).isBetween(850, 1150);
    }

    @Test
    void theSameRequestIdAlwaysTakesTheSameRoute() {
        for (int i = 0; i < 1_000; i++) {
            String id = java.util.UUID.nameUUIDFromBytes(new byte[] {(byte) i, (byte) (i >> 8)}).toString();
            boolean first = CanaryRouter.toCanary(id, 25);
            for (int retry = 0; retry < 3; retry++) {
                assertThat(CanaryRouter.toCanary(id, 25)).isEqualTo(first);
            }
        }
    }

    @Test
    void zeroAndHundredAreNoneAndAll() {
        for (int i = 0; i < 1_000; i++) {
            assertThat(CanaryRouter.toCanary("r" + i, 0)).isFalse();
            assertThat(CanaryRouter.toCanary("r" + i, 100)).isTrue();
        }
    }

    @Test
    void raisingTheWeightKeepsTheRequestsThatWereCanaryOnTheCanary() {
        for (int i = 0; i < 2_000; i++) {
            if (CanaryRouter.toCanary("r" + i, 10)) {
                assertThat(CanaryRouter.toCanary("r" + i, 50)).isTrue();
            }
        }
    }
}
