package dev.pixelflow.common.message;

/** Which part of the dataset a tensor belongs to; decided by its content hash alone (see {@link SplitPolicy}). */
public enum Split {
    TRAIN((byte) 0, "train"),
    VALIDATION((byte) 1, "val");

    private final byte code;
    private final String label;

    Split(byte code, String label) {
        this.code = code;
        this.label = label;
    }

    public byte code() {
        return code;
    }

    public String label() {
        return label;
    }

    public static Split ofCode(byte code) {
        for (Split s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown split code " + code);
    }
}
