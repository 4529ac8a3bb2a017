package dev.pixelflow.cli;

import java.util.concurrent.ExecutionException;

/** Turns an exception into the one line a user reads. */
public final class CliErrors {
    private CliErrors() {
    }

    public static String message(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t.getMessage() == null) && t.getCause() != null) {
            t = t.getCause();
        }
        String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return msg.replace('\n', ' ');
    }
}
