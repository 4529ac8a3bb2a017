package dev.pixelflow.common.message;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** sha256 of the original encoded bytes: the identity of an image across re-ingests. */
public final class ContentHash {
    private ContentHash() {
    }

    public static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    public static String hex(byte[] hash) {
        return HexFormat.of().formatHex(hash);
    }

    public static String sha256Hex(byte[] bytes) {
        return hex(sha256(bytes));
    }
}
