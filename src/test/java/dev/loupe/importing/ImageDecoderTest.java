package dev.loupe.importing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.Color;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.loupe.importing.ImageDecodeException.Kind;

class ImageDecoderTest {
    @TempDir
    Path dir;

    private final ImageDecoder decoder = new ImageDecoder();

    private static void assertColor(BufferedImage img, int x, int y, Color expected, int tolerance) {
        assertThat(img.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        Color c = new Color(img.getRGB(x, y));
        assertThat(Math.abs(c.getRed() - expected.getRed())).as("red of %s at %d,%d", c, x, y).isLessThanOrEqualTo(tolerance);
        assertThat(Math.abs(c.getGreen() - expected.getGreen())).as("green of %s at %d,%d", c, x, y).isLessThanOrEqualTo(tolerance);
        assertThat(Math.abs(c.getBlue() - expected.getBlue())).as("blue of %s at %d,%d", c, x, y).isLessThanOrEqualTo(tolerance);
    }

    /** Left quarter red, right quarter blue, as every red/blue fixture is drawn. */
    private static void assertRedBlue(BufferedImage img, int tolerance) {
        int y = img.getHeight() / 2;
        assertColor(img, img.getWidth() / 4, y, AwkwardFiles.RED, tolerance);
        assertColor(img, img.getWidth() * 3 / 4, y, AwkwardFiles.BLUE, tolerance);
    }

    private ImageDecodeException failure(Path file) {
        try {
            decoder.decode(file, 256);
        } catch (ImageDecodeException e) {
            return e;
        }
        throw new AssertionError("expected " + file + " to fail");
    }

    @Test
    void twelveMonkeysReadersAreRegistered() {
        for (String f : ImageDecoder.FORMATS) {
            assertThat(ImageIO.getImageReadersByFormatName(f).hasNext()).as(f).isTrue();
        }
    }

    @Test
    void decodesPlainJpegAndPng() throws Exception {
        Path jpg = AwkwardFiles.jpeg(AwkwardFiles.redBlue(64, 32), dir.resolve("a.jpg"), false);
        Path png = AwkwardFiles.write(AwkwardFiles.redBlue(64, 32), "png", dir.resolve("a.png"));
        DecodedImage j = decoder.decode(jpg, 256);
        DecodedImage p = decoder.decode(png, 256);
        assertThat(j.format()).isEqualTo("jpeg");
        assertThat(p.format()).isEqualTo("png");
        assertThat(j.width()).isEqualTo(64);
        assertThat(j.height()).isEqualTo(32);
        assertRedBlue(j.image(), 40);
        assertRedBlue(p.image(), 0);
    }

    @Test
    void downscalesToMaxSideKeepingAspect() throws Exception {
        Path png = AwkwardFiles.write(AwkwardFiles.redBlue(3000, 1000), "png", dir.resolve("wide.png"));
        DecodedImage d = decoder.decode(png, 300);
        assertThat(d.image().getWidth()).isEqualTo(300);
        assertThat(d.image().getHeight()).isEqualTo(100);
        assertThat(d.width()).isEqualTo(3000);
        assertThat(d.height()).isEqualTo(1000);
        assertRedBlue(d.image(), 10);
    }

    @Test
    void contentDecidesFormatNotExtension() throws Exception {
        Path png = AwkwardFiles.write(AwkwardFiles.redBlue(20, 10), "png", dir.resolve("really-a-png.jpg"));
        assertThat(decoder.probe(png).format()).isEqualTo("png");
    }

    @Test
    void cmykJpeg() throws Exception {
        Path f = AwkwardFiles.cmykJpeg(dir.resolve("cmyk.jpg"), 64, 32, false);
        assertThat(AwkwardFiles.jpegAdobeAndComponents(f)).containsExactly(0, 4);
        assertThat(rawColourSpaceType(f)).isEqualTo(ColorSpace.TYPE_CMYK);
        assertRedBlue(decoder.decode(f, 256).image(), 40);
    }

    @Test
    void ycckJpeg() throws Exception {
        Path f = AwkwardFiles.cmykJpeg(dir.resolve("ycck.jpg"), 64, 32, true);
        assertThat(AwkwardFiles.jpegAdobeAndComponents(f)).containsExactly(2, 4);
        assertThat(rawColourSpaceType(f)).isEqualTo(ColorSpace.TYPE_CMYK);
        assertRedBlue(decoder.decode(f, 256).image(), 40);
    }

    private static int rawColourSpaceType(Path jpeg) throws Exception {
        try (ImageInputStream in = ImageIO.createImageInputStream(jpeg.toFile())) {
            ImageReader r = ImageIO.getImageReaders(in).next();
            try {
                r.setInput(in);
                return r.getRawImageType(0).getColorModel().getColorSpace().getType();
            } finally {
                r.dispose();
            }
        }
    }

    @Test
    void progressiveJpeg() throws Exception {
        Path f = AwkwardFiles.jpeg(AwkwardFiles.redBlue(64, 32), dir.resolve("prog.jpg"), true);
        // SOF2 marks a progressive JPEG.
        byte[] b = Files.readAllBytes(f);
        boolean sof2 = false;
        for (int i = 0; i + 1 < b.length; i++) {
            if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xC2) {
                sof2 = true;
                break;
            }
        }
        assertThat(sof2).isTrue();
        assertRedBlue(decoder.decode(f, 256).image(), 40);
    }

    @Test
    void sixteenBitGreyKeepsItsBrightness() throws Exception {
        Path f = AwkwardFiles.gray16Png(dir.resolve("g16.png"), 20, 20, 0x8080);
        assertThat(Files.readAllBytes(f)[24]).as("IHDR bit depth").isEqualTo((byte) 16);
        DecodedImage d = decoder.decode(f, 256);
        assertColor(d.image(), 10, 10, new Color(128, 128, 128), 3);
    }

    @Test
    void greyWithAlphaIsNotBrightened() throws Exception {
        for (int type : new int[] {java.awt.image.DataBuffer.TYPE_BYTE, java.awt.image.DataBuffer.TYPE_USHORT}) {
            java.awt.image.ComponentColorModel cm = new java.awt.image.ComponentColorModel(
                    ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false, java.awt.Transparency.TRANSLUCENT, type);
            java.awt.image.WritableRaster r = cm.createCompatibleWritableRaster(3, 1);
            int max = type == java.awt.image.DataBuffer.TYPE_BYTE ? 255 : 65535;
            r.setPixel(0, 0, new int[] {max * 128 / 255, max});   // opaque mid grey
            r.setPixel(1, 0, new int[] {0, 0});                    // fully transparent
            r.setPixel(2, 0, new int[] {0, max / 2});              // half-transparent black
            Path f = AwkwardFiles.write(new BufferedImage(cm, r, false, null), "png", dir.resolve("ga" + type + ".png"));
            BufferedImage img = decoder.decode(f, 256).image();
            assertColor(img, 0, 0, new Color(128, 128, 128), 1);
            assertColor(img, 1, 0, Color.WHITE, 0);
            assertColor(img, 2, 0, new Color(128, 128, 128), 1);
        }
    }

    @Test
    void sixteenBitRgb() throws Exception {
        Path f = AwkwardFiles.rgb16Png(dir.resolve("rgb16.png"), 40, 20);
        assertThat(Files.readAllBytes(f)[24]).as("IHDR bit depth").isEqualTo((byte) 16);
        assertRedBlue(decoder.decode(f, 256).image(), 0);
    }

    @Test
    void paletteTransparencyBecomesWhite() throws Exception {
        Path f = AwkwardFiles.palettePngWithTransparency(dir.resolve("pal.png"), 40, 20);
        BufferedImage img = decoder.decode(f, 256).image();
        assertColor(img, 5, 10, Color.WHITE, 0);
        assertColor(img, 35, 10, AwkwardFiles.RED, 0);
    }

    @Test
    void argbPngIsCompositedOnWhite() throws Exception {
        BufferedImage argb = new BufferedImage(10, 10, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x80000000);  // half-transparent black
        Path f = AwkwardFiles.write(argb, "png", dir.resolve("argb.png"));
        BufferedImage img = decoder.decode(f, 256).image();
        assertColor(img, 5, 5, Color.WHITE, 0);
        assertColor(img, 0, 0, new Color(127, 127, 127), 2);
    }

    @Test
    void gifFirstFrame() throws Exception {
        Path f = AwkwardFiles.twoFrameGif(dir.resolve("anim.gif"), 20, 10);
        try (ImageInputStream in = ImageIO.createImageInputStream(f.toFile())) {
            ImageReader r = ImageIO.getImageReaders(in).next();
            r.setInput(in);
            assertThat(r.getNumImages(true)).isEqualTo(2);
            r.dispose();
        }
        DecodedImage d = decoder.decode(f, 256);
        assertThat(d.format()).isEqualTo("gif");
        assertColor(d.image(), 10, 5, AwkwardFiles.RED, 0);
    }

    @Test
    void bmpAndTiff() throws Exception {
        Path bmp = AwkwardFiles.write(AwkwardFiles.redBlue(40, 20), "bmp", dir.resolve("a.bmp"));
        Path tif = AwkwardFiles.write(AwkwardFiles.redBlue(40, 20), "tiff", dir.resolve("a.tif"));
        DecodedImage b = decoder.decode(bmp, 256);
        DecodedImage t = decoder.decode(tif, 256);
        assertThat(b.format()).isEqualTo("bmp");
        assertThat(t.format()).isEqualTo("tiff");
        assertRedBlue(b.image(), 0);
        assertRedBlue(t.image(), 0);
    }

    @Test
    void webpLosslessAndLossy() throws Exception {
        Path ll = AwkwardFiles.webp(dir.resolve("ll.webp"), AwkwardFiles.WEBP_LOSSLESS_16x8);
        Path lossy = AwkwardFiles.webp(dir.resolve("lossy.webp"), AwkwardFiles.WEBP_LOSSY_16x8);
        DecodedImage a = decoder.decode(ll, 256);
        DecodedImage b = decoder.decode(lossy, 256);
        assertThat(a.format()).isEqualTo("webp");
        assertThat(a.width()).isEqualTo(16);
        assertThat(a.height()).isEqualTo(8);
        assertRedBlue(a.image(), 0);
        assertRedBlue(b.image(), 60);
    }

    @Test
    void exifOrientationSixTurnsClockwise() throws Exception {
        // Stored 40×20, left red / right blue; orientation 6 shows it 20×40, red on top.
        Path f = AwkwardFiles.jpegWithOrientation(AwkwardFiles.redBlue(40, 20), dir.resolve("rot.jpg"), 6);
        ImageInfo info = decoder.probe(f);
        assertThat(info.orientation()).isEqualTo(6);
        assertThat(info.width()).isEqualTo(20);
        assertThat(info.height()).isEqualTo(40);
        DecodedImage d = decoder.decode(f, 256);
        assertThat(d.width()).isEqualTo(20);
        assertThat(d.height()).isEqualTo(40);
        assertThat(d.image().getWidth()).isEqualTo(20);
        assertThat(d.image().getHeight()).isEqualTo(40);
        assertColor(d.image(), 10, 8, AwkwardFiles.RED, 40);
        assertColor(d.image(), 10, 32, AwkwardFiles.BLUE, 40);
    }

    @Test
    void everyOrientationMapsCornersCorrectly() {
        // A 3×2 image with a distinct colour per pixel; compare with the EXIF definition.
        BufferedImage src = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                src.setRGB(x, y, y * 3 + x + 1);
            }
        }
        int tl = 1;  // the stored top-left pixel
        // Where the stored top-left ends up, for orientations 1..8 (x, y in the output).
        int[][] expectTopLeftAt = {{0, 0}, {2, 0}, {2, 1}, {0, 1}, {0, 0}, {1, 0}, {1, 2}, {0, 2}};
        for (int o = 1; o <= 8; o++) {
            BufferedImage out = Images.orient(src, o);
            assertThat(out.getWidth()).isEqualTo(o >= 5 ? 2 : 3);
            int[] at = expectTopLeftAt[o - 1];
            assertEquals(tl, out.getRGB(at[0], at[1]) & 0xFFFFFF, "orientation " + o);
        }
    }

    @Test
    void hugePngIsReadSubsampled() throws Exception {
        Path f = AwkwardFiles.hugePng(dir.resolve("huge.png"), 30000, 30000);
        assertThat(Files.size(f)).isLessThan(2_000_000);
        ImageInfo info = decoder.probe(f);
        assertThat(info.width()).isEqualTo(30000);
        DecodedImage d = decoder.decode(f, 512);
        assertThat(d.width()).isEqualTo(30000);
        assertThat(d.height()).isEqualTo(30000);
        assertThat(d.image().getWidth()).isEqualTo(512);
        assertColor(d.image(), 100, 100, Color.BLACK, 0);
    }

    @Test
    void refusesImagesAboveThePixelCap() throws Exception {
        Path f = AwkwardFiles.headerOnlyPng(dir.resolve("bomb.png"), 40000, 40000);
        assertThatThrownBy(() -> decoder.probe(f)).isInstanceOf(ImageDecodeException.class)
                .hasMessage("image too large (40000×40000)");
        assertThat(failure(f).kind()).isEqualTo(Kind.TOO_LARGE);
    }

    @Test
    void outOfMemoryInsideAReaderBecomesTooLarge() {
        // ImageIO wraps errors thrown inside readers: "Caught exception during read".
        Throwable wrapped = new javax.imageio.IIOException("Caught exception during read", new OutOfMemoryError("Java heap space"));
        ImageDecodeException e = ImageDecoder.failure(wrapped, new ImageInfo("png", 30000, 20000, 1));
        assertThat(e.kind()).isEqualTo(Kind.TOO_LARGE);
        assertThat(e.reason()).isEqualTo("image too large (30000×20000): not enough memory to decode it");
    }

    @Test
    void webpWhoseWholeFrameWouldNotFitIsRefusedBeforeDecoding() throws Exception {
        Assumptions.assumeTrue(Runtime.getRuntime().maxMemory() < 8L << 30, "heap too large for this check");
        // RIFF/WEBP with a VP8X chunk: flags, then canvas width-1 and height-1 in 24-bit little endian.
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(30).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)).putInt(22);
        b.put("WEBPVP8X".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)).putInt(10);
        b.putInt(0);
        b.put((byte) 0xFE).put((byte) 0x3F).put((byte) 0);  // 16382 -> width 16383
        b.put((byte) 0xFE).put((byte) 0x3F).put((byte) 0);
        Path f = Files.write(dir.resolve("vast.webp"), b.array());
        assertThat(decoder.probe(f).width()).isEqualTo(16383);
        assertThat(failure(f).reason()).isEqualTo("image too large (16383×16383)");
    }

    @Test
    void heapEstimates() {
        // A 12 MP lossy WebP is decoded whole by TwelveMonkeys: about 24 bytes a pixel.
        assertThat(ImageDecoder.estimateHeapBytes("VP8 ", 4000, 3000, 4)).isBetween(280L << 20, 320L << 20);
        // The 30000×30000 PNG read one row in 30: about 12 MB.
        assertThat(ImageDecoder.estimateHeapBytes(null, 30000, 30000, 30)).isLessThan(16L << 20);
    }

    @Test
    void emptyFile() throws Exception {
        ImageDecodeException e = failure(AwkwardFiles.empty(dir.resolve("empty.png")));
        assertThat(e.kind()).isEqualTo(Kind.EMPTY);
        assertThat(e.reason()).isEqualTo("empty file");
    }

    @Test
    void textNamedPng() throws Exception {
        ImageDecodeException e = failure(AwkwardFiles.text(dir.resolve("notes.png"), "hello, I am not a picture\n"));
        assertThat(e.reason()).isEqualTo("not an image (content is not a known image format)");
    }

    @Test
    void truncatedPng() throws Exception {
        Path ok = AwkwardFiles.write(AwkwardFiles.redBlue(200, 200), "png", dir.resolve("ok.png"));
        for (double keep : new double[] {0.01, 0.3, 0.6, 0.95}) {
            Path f = AwkwardFiles.truncated(ok, dir.resolve("trunc-" + keep + ".png"), keep);
            assertThat(failure(f).reason()).as("kept %s", keep).isEqualTo("truncated or corrupt image");
        }
    }

    @Test
    void truncatedJpeg() throws Exception {
        BufferedImage noisy = new BufferedImage(200, 200, BufferedImage.TYPE_INT_RGB);
        java.util.Random rnd = new java.util.Random(1);
        for (int y = 0; y < 200; y++) {
            for (int x = 0; x < 200; x++) {
                noisy.setRGB(x, y, rnd.nextInt());
            }
        }
        Path ok = AwkwardFiles.jpeg(noisy, dir.resolve("ok.jpg"), false);
        for (double keep : new double[] {0.01, 0.3, 0.6, 0.95}) {
            Path f = AwkwardFiles.truncated(ok, dir.resolve("trunc-" + keep + ".jpg"), keep);
            assertThat(failure(f).reason()).as("kept %s", keep).isEqualTo("truncated or corrupt image");
        }
    }

    @Test
    void garbageAfterAValidSignature() throws Exception {
        byte[] junk = new byte[5000];
        new java.util.Random(7).nextBytes(junk);
        for (String sig : new String[] {"\u0089PNG\r\n\u001a\n", "\u00ff\u00d8\u00ff", "GIF89a", "BM", "II*\u0000", "RIFF\u0000\u0000\u0000\u0000WEBP"}) {
            byte[] s = sig.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            System.arraycopy(s, 0, junk, 0, s.length);
            Path f = Files.write(dir.resolve("junk-" + sig.hashCode()), junk);
            ImageDecodeException e = failure(f);
            assertThat(e.kind()).as(sig).isIn(Kind.CORRUPT, Kind.TOO_LARGE, Kind.UNSUPPORTED);
        }
    }

    @Test
    void knownButUnsupportedFormat() throws Exception {
        byte[] heic = new byte[64];
        System.arraycopy("\0\0\0\u0018ftypheic".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, heic, 0, 12);
        Path f = Files.write(dir.resolve("phone.jpg"), heic);
        assertThat(failure(f).reason()).isEqualTo("unsupported image format (HEIC)");
    }

    @Test
    void unreadableFile() throws Exception {
        Path f = AwkwardFiles.write(AwkwardFiles.redBlue(20, 10), "png", dir.resolve("locked.png"));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        Assumptions.assumeFalse(Files.isReadable(f), "running as root: permissions are not enforced");
        assertThat(failure(f).reason()).isEqualTo("unreadable: permission denied");
    }

    @Test
    void unicodeFileName() throws Exception {
        Path f = AwkwardFiles.write(AwkwardFiles.redBlue(20, 10), "png", dir.resolve("café 日本.png"));
        assertRedBlue(decoder.decode(f, 256).image(), 0);
    }
}
