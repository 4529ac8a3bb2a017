package dev.pixelflow.reliability;

import dev.pixelflow.common.worker.FaultHook;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fault hook the suite installs in a worker process: it holds the moment open for a fixed time, so that a test
 * watching for it (the log line, or an open transaction) can aim its kill inside. A fault-injection delay, not
 * synchronisation: nothing is waited for.
 */
final class Hold implements FaultHook {
    private static final Logger LOG = LoggerFactory.getLogger(Hold.class);

    private final Duration duration;
    private final String moment;

    /** @param moment what is held, for the log: "{@code <what>} MOMENT" */
    Hold(Duration duration, String moment) {
        this.duration = duration;
        this.moment = moment;
    }

    @Override
    public void reached(String what) {
        LOG.warn("{} {}, held for {} (fault hook)", what, moment, duration);
        LockSupport.parkNanos(duration.toNanos());
    }
}
