package dev.loupe.importing;

/**
 * An image just taken in, with the pixels decoded for it, for a later stage (embedding) that must
 * not decode the file a second time. The content hash in {@code image.sha256()} identifies it.
 */
public record DecodedImport(ImportedImage image, DecodedImage decoded) {
}
