package dev.loupe.importing;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

import com.twelvemonkeys.imageio.color.ColorSpaces;

/**
 * Makes the awkward image files the importing tests need, at test time: nothing binary is
 * committed except two tiny WebP files, inlined below as base64.
 */
final class AwkwardFiles {
    private AwkwardFiles() {
    }

    /**
     * 16×8 WebP files, left half red and right half blue, made on Debian 12 with libwebp's cwebp
     * 1.2.4 from a PNG of those pixels: {@code cwebp -lossless rb.png} and {@code cwebp -q 90 rb.png}.
     */
    static final String WEBP_LOSSLESS_16x8 =
            "UklGRiYAAABXRUJQVlA4TBkAAAAvD8ABAA8Q87//8x8OxILJ/KU7U4jof+QAAA==";
    static final String WEBP_LOSSY_16x8 =
            "UklGRkQAAABXRUJQVlA4IDgAAAAwAgCdASoQAAgAAMASJaACdLoB+AH4gARoAAD+/Suf/9+gm/93m/10S8z/60c//rRlcH9aOb+gAA==";

    static final Color RED = new Color(255, 0, 0);
    static final Color BLUE = new Color(0, 0, 255);

    /** An RGB image, left half red, right half blue. */
    static BufferedImage redBlue(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(RED);
        g.fillRect(0, 0, w / 2, h);
        g.setColor(BLUE);
        g.fillRect(w / 2, 0, w - w / 2, h);
        g.dispose();
        return img;
    }

    static Path write(BufferedImage img, String format, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(img, format, file.toFile())) {
            throw new IOException("no writer for " + format);
        }
        return file;
    }

    static Path empty(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, new byte[0]);
    }

    static Path text(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    /** The first {@code keep} fraction of a valid file. */
    static Path truncated(Path valid, Path file, double keep) throws IOException {
        byte[] all = Files.readAllBytes(valid);
        Files.createDirectories(file.getParent());
        return Files.write(file, Arrays.copyOf(all, (int) (all.length * keep)));
    }

    static Path jpeg(BufferedImage img, Path file, boolean progressive) throws IOException {
        Files.createDirectories(file.getParent());
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(Files.newOutputStream(file))) {
            writer.setOutput(out);
            ImageWriteParam p = writer.getDefaultWriteParam();
            if (progressive) {
                p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            }
            writer.write(null, new IIOImage(img, null, null), p);
        } finally {
            writer.dispose();
        }
        return file;
    }

    /**
     * A 4-channel JPEG with an Adobe APP14 marker, left half red, right half blue, as Adobe
     * applications write them. {@code ycck == false}: transform 0, plain CMYK stored inverted
     * (255 - value), so red (C=0, M=Y=100%, K=0) is (255, 0, 0, 255). {@code ycck == true}:
     * transform 2, the YCbCr of (C, M, Y) plus the inverted K, so red is YCbCr(0, 255, 255) + 255.
     */
    static Path cmykJpeg(Path file, int w, int h, boolean ycck) throws IOException {
        Files.createDirectories(file.getParent());
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
        int[] red = ycck ? new int[] {179, 171, 0, 255} : new int[] {255, 0, 0, 255};
        int[] blue = ycck ? new int[] {226, 0, 149, 255} : new int[] {0, 0, 255, 255};
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.setPixel(x, y, x < w / 2 ? red : blue);
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(Files.newOutputStream(file))) {
            writer.setOutput(out);
            ImageWriteParam p = writer.getDefaultWriteParam();
            // Metadata for a CMYK image type asks the writer for an Adobe marker; set its transform.
            ColorSpace cmyk = ColorSpaces.getColorSpace(ColorSpaces.CS_GENERIC_CMYK);
            ImageTypeSpecifier spec = ImageTypeSpecifier.createInterleaved(cmyk, new int[] {0, 1, 2, 3},
                    DataBuffer.TYPE_BYTE, false, false);
            IIOMetadata md = writer.getDefaultImageMetadata(spec, p);
            String fmt = md.getNativeMetadataFormatName();
            IIOMetadataNode root = (IIOMetadataNode) md.getAsTree(fmt);
            IIOMetadataNode adobe = (IIOMetadataNode) root.getElementsByTagName("app14Adobe").item(0);
            adobe.setAttribute("transform", ycck ? "2" : "0");
            md.setFromTree(fmt, root);
            // Written as a Raster, the samples go out untouched.
            writer.write(null, new IIOImage(r, null, md), p);
        } finally {
            writer.dispose();
        }
        return file;
    }

    /** A JPEG with an EXIF APP1 segment holding only the orientation tag (0x0112). */
    static Path jpegWithOrientation(BufferedImage img, Path file, int orientation) throws IOException {
        Path plain = jpeg(img, file, false);
        byte[] jpg = Files.readAllBytes(plain);
        ByteArrayOutputStream app1 = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(app1);
        d.writeShort(0xFFE1);
        d.writeShort(2 + 6 + 26);
        d.write("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1));
        d.write(new byte[] {'M', 'M', 0, 42});   // big-endian TIFF header
        d.writeInt(8);                           // IFD0 right after the header
        d.writeShort(1);                         // one entry
        d.writeShort(0x0112);                    // Orientation
        d.writeShort(3);                         // SHORT
        d.writeInt(1);                           // count
        d.writeShort(orientation);
        d.writeShort(0);                         // padding of the 4-byte value field
        d.writeInt(0);                           // no next IFD
        d.flush();
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(jpg, 0, 2);                // SOI
            out.write(app1.toByteArray());
            out.write(jpg, 2, jpg.length - 2);
        }
        return file;
    }

    /** A 16-bit grey PNG, every pixel {@code value}. */
    static Path gray16Png(Path file, int w, int h, int value) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_USHORT_GRAY);
        WritableRaster r = img.getRaster();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.setSample(x, y, 0, value);
            }
        }
        return write(img, "png", file);
    }

    /** A 16-bit-per-channel RGB PNG, left half red, right half blue. */
    static Path rgb16Png(Path file, int w, int h) throws IOException {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster r = cm.createCompatibleWritableRaster(w, h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.setPixel(x, y, x < w / 2 ? new int[] {65535, 0, 0} : new int[] {0, 0, 65535});
            }
        }
        return write(new BufferedImage(cm, r, false, null), "png", file);
    }

    /** A palette PNG: left half fully transparent (index 0), right half opaque red (index 1). */
    static Path palettePngWithTransparency(Path file, int w, int h) throws IOException {
        IndexColorModel cm = new IndexColorModel(8, 2, new byte[] {0, (byte) 255}, new byte[] {0, 0},
                new byte[] {0, 0}, new byte[] {0, (byte) 255});
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, cm);
        WritableRaster r = img.getRaster();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.setSample(x, y, 0, x < w / 2 ? 0 : 1);
            }
        }
        return write(img, "png", file);
    }

    /** A GIF with two frames: solid red, then solid blue. */
    static Path twoFrameGif(Path file, int w, int h) throws IOException {
        Files.createDirectories(file.getParent());
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(Files.newOutputStream(file))) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            for (Color c : new Color[] {RED, BLUE}) {
                BufferedImage frame = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = frame.createGraphics();
                g.setColor(c);
                g.fillRect(0, 0, w, h);
                g.dispose();
                ImageWriteParam p = writer.getDefaultWriteParam();
                IIOMetadata md = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(frame), p);
                String fmt = md.getNativeMetadataFormatName();
                IIOMetadataNode root = (IIOMetadataNode) md.getAsTree(fmt);
                IIOMetadataNode gce = new IIOMetadataNode("GraphicControlExtension");
                gce.setAttribute("disposalMethod", "none");
                gce.setAttribute("userInputFlag", "FALSE");
                gce.setAttribute("transparentColorFlag", "FALSE");
                gce.setAttribute("delayTime", "10");
                gce.setAttribute("transparentColorIndex", "0");
                root.appendChild(gce);
                md.setFromTree(fmt, root);
                writer.writeToSequence(new IIOImage(frame, null, md), p);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        return file;
    }

    static Path webp(Path file, String base64) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, Base64.getDecoder().decode(base64));
    }

    /**
     * A grey 8-bit PNG of {@code w}×{@code h} zero pixels, streamed through a Deflater so the file
     * stays small (about 0.9 MB for 30000×30000) although a full decode would need w·h bytes.
     */
    static Path hugePng(Path file, int w, int h) throws IOException {
        Files.createDirectories(file.getParent());
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try (DeflaterOutputStream z = new DeflaterOutputStream(idat, deflater, 1 << 16)) {
            byte[] row = new byte[w + 1];  // filter byte 0 + w zero samples
            for (int y = 0; y < h; y++) {
                z.write(row);
            }
        } finally {
            deflater.end();
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
            chunk(out, "IHDR", ihdr(w, h));
            chunk(out, "IDAT", idat.toByteArray());
            chunk(out, "IEND", new byte[0]);
        }
        return file;
    }

    /** A PNG that has a valid header claiming {@code w}×{@code h} and no pixel data at all. */
    static Path headerOnlyPng(Path file, int w, int h) throws IOException {
        Files.createDirectories(file.getParent());
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
            chunk(out, "IHDR", ihdr(w, h));
            chunk(out, "IEND", new byte[0]);
        }
        return file;
    }

    private static byte[] ihdr(int w, int h) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(w);
        d.writeInt(h);
        d.writeByte(8);  // bit depth
        d.writeByte(0);  // colour type: grey
        d.writeByte(0);  // deflate
        d.writeByte(0);  // adaptive filtering
        d.writeByte(0);  // no interlace
        return b.toByteArray();
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt(data.length);
        out.write(t);
        out.write(data);
        out.writeInt((int) crc.getValue());
    }

    /** From the JPEG markers: the Adobe APP14 transform (-1 without one) and the SOF component count. */
    static int[] jpegAdobeAndComponents(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        int adobe = -1;
        int components = -1;
        int i = 2;
        while (i + 4 < b.length && (b[i] & 0xFF) == 0xFF) {
            int marker = b[i + 1] & 0xFF;
            int len = ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
            if (marker == 0xEE && new String(b, i + 4, 5, StandardCharsets.ISO_8859_1).equals("Adobe")) {
                adobe = b[i + 4 + 11];
            }
            if (marker >= 0xC0 && marker <= 0xC2) {
                components = b[i + 9] & 0xFF;
            }
            if (marker == 0xDA) {
                break;
            }
            i += 2 + len;
        }
        return new int[] {adobe, components};
    }
}
