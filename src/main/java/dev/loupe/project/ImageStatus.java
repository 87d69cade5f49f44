package dev.loupe.project;

import java.util.Locale;

/** Whether a referenced image file can currently be used. */
public enum ImageStatus {
    OK, MISSING, FAILED;

    /** The value stored in the images.status column. */
    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    static ImageStatus fromDb(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
