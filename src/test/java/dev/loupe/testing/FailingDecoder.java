package dev.loupe.testing;

import dev.loupe.importing.DecodedImage;
import dev.loupe.importing.ImageDecodeException;
import dev.loupe.importing.ImageDecoder;

import java.nio.file.Path;

/** A real decoder that, on its decode thread, throws what no real file makes it throw, for files of two names. */
public final class FailingDecoder {
    private FailingDecoder() {}

    /** Throws {@code IllegalStateException("injected")} for {@code exceptionFile}, {@code AssertionError("injected error")} for {@code errorFile}. */
    public static ImageDecoder failingOn(String exceptionFile, String errorFile) {
        return new ImageDecoder() {
            @Override
            public DecodedImage decode(Path file, int maxSide) throws ImageDecodeException {
                String name = file.getFileName().toString();
                if (name.equals(exceptionFile)) {
                    throw new IllegalStateException("injected");
                }
                if (name.equals(errorFile)) {
                    throw new AssertionError("injected error");
                }
                return super.decode(file, maxSide);
            }
        };
    }
}
