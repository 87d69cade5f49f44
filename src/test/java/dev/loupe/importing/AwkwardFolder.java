package dev.loupe.importing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A folder of every awkward file the importer must survive, with what should become of each:
 * {@code "imported:LABEL"} ({@code "-"} for none), {@code "duplicate-of:GROUP"} (exactly one of a
 * group is imported) or {@code "skipped:REASON"}. Keys are '/'-separated paths relative to the root.
 */
final class AwkwardFolder {
    private AwkwardFolder() {
    }

    /** Hidden entries created (not part of what the import finds). */
    static final int HIDDEN = 2;

    static Map<String, String> create(Path root) throws IOException {
        Map<String, String> e = new LinkedHashMap<>();
        Files.createDirectories(root);
        AwkwardFiles.jpeg(AwkwardFiles.redBlue(64, 48), root.resolve("photo.jpg"), false);
        Files.copy(root.resolve("photo.jpg"), root.resolve("photo-copy.JPG"));
        e.put("photo.jpg", "duplicate-of:photo");
        e.put("photo-copy.JPG", "duplicate-of:photo");
        AwkwardFiles.cmykJpeg(root.resolve("cats/cmyk.jpg"), 64, 32, false);
        e.put("cats/cmyk.jpg", "imported:cats");
        AwkwardFiles.cmykJpeg(root.resolve("cats/ycck.jpeg"), 64, 32, true);
        e.put("cats/ycck.jpeg", "imported:cats");
        AwkwardFiles.jpeg(AwkwardFiles.redBlue(64, 32), root.resolve("cats/progressive.jpg"), true);
        e.put("cats/progressive.jpg", "imported:cats");
        AwkwardFiles.gray16Png(root.resolve("dogs/gray16.png"), 30, 20, 0x8080);
        e.put("dogs/gray16.png", "imported:dogs");
        AwkwardFiles.rgb16Png(root.resolve("dogs/rgb16.png"), 30, 20);
        e.put("dogs/rgb16.png", "imported:dogs");
        AwkwardFiles.palettePngWithTransparency(root.resolve("dogs/palette.png"), 30, 20);
        e.put("dogs/palette.png", "imported:dogs");
        AwkwardFiles.twoFrameGif(root.resolve("unlabelled/anim.gif"), 20, 10);
        e.put("unlabelled/anim.gif", "imported:-");
        AwkwardFiles.write(AwkwardFiles.redBlue(40, 20), "bmp", root.resolve("Pool/pic.bmp"));
        e.put("Pool/pic.bmp", "imported:-");
        AwkwardFiles.write(AwkwardFiles.redBlue(40, 21), "tiff", root.resolve("birds/pic.tiff"));
        e.put("birds/pic.tiff", "imported:birds");
        AwkwardFiles.webp(root.resolve("birds/ll.webp"), AwkwardFiles.WEBP_LOSSLESS_16x8);
        e.put("birds/ll.webp", "imported:birds");
        AwkwardFiles.webp(root.resolve("birds/lossy.WebP"), AwkwardFiles.WEBP_LOSSY_16x8);
        e.put("birds/lossy.WebP", "imported:birds");
        AwkwardFiles.hugePng(root.resolve("big/huge.png"), 30000, 30000);
        e.put("big/huge.png", "imported:big");
        AwkwardFiles.headerOnlyPng(root.resolve("big/bomb.png"), 40000, 40000);
        e.put("big/bomb.png", "skipped:image too large (40000×40000)");
        AwkwardFiles.jpegWithOrientation(AwkwardFiles.redBlue(40, 20), root.resolve("rotated/exif6.jpg"), 6);
        e.put("rotated/exif6.jpg", "imported:rotated");
        AwkwardFiles.write(AwkwardFiles.redBlue(22, 10), "png", root.resolve("café 日本.png"));
        e.put("café 日本.png", "imported:-");
        AwkwardFiles.empty(root.resolve("empty.png"));
        e.put("empty.png", "skipped:empty file");
        Path okPng = AwkwardFiles.write(AwkwardFiles.redBlue(200, 200), "png", root.resolve(".ok.png"));
        AwkwardFiles.truncated(okPng, root.resolve("broken/truncated.png"), 0.5);
        Files.delete(okPng);
        e.put("broken/truncated.png", "skipped:truncated or corrupt image");
        Path okJpg = AwkwardFiles.jpeg(AwkwardFiles.redBlue(200, 200), root.resolve(".ok.jpg"), false);
        AwkwardFiles.truncated(okJpg, root.resolve("broken/truncated.jpg"), 0.5);
        Files.delete(okJpg);
        e.put("broken/truncated.jpg", "skipped:truncated or corrupt image");
        AwkwardFiles.text(root.resolve("broken/text.png"), "this is text, not a picture\n");
        e.put("broken/text.png", "skipped:not an image (content is not a known image format)");
        AwkwardFiles.text(root.resolve("notes.txt"), "notes\n");
        e.put("notes.txt", "skipped:not an image file (.txt)");
        AwkwardFiles.text(root.resolve("README"), "read me\n");
        e.put("README", "skipped:not an image file (no extension)");
        AwkwardFiles.write(AwkwardFiles.redBlue(10, 10), "png", root.resolve(".hidden.png"));
        AwkwardFiles.write(AwkwardFiles.redBlue(10, 10), "png", root.resolve(".cache/x.png"));
        Files.createSymbolicLink(root.resolve("loop"), root);
        Files.createSymbolicLink(root.resolve("link-to-cats"), root.resolve("cats"));
        Files.createSymbolicLink(root.resolve("dangling.png"), root.resolve("does-not-exist.png"));
        e.put("dangling.png", "skipped:broken symbolic link");
        Path locked = AwkwardFiles.write(AwkwardFiles.redBlue(12, 10), "png", root.resolve("locked.png"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        if (Files.isReadable(locked)) {
            // Running as root: permissions are not enforced, so the file imports like any other.
            e.put("locked.png", "imported:-");
        } else {
            e.put("locked.png", "skipped:unreadable: permission denied");
        }
        return e;
    }
}
