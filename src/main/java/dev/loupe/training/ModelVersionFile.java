package dev.loupe.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.Faults;
import dev.loupe.FileWrites;
import dev.loupe.LoupeException;
import dev.loupe.evaluation.AccuracyEstimate;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * One saved state of a project's head, beside the database in {@code models/}: the exact head state
 * plus what it belongs to (backbone, class id of every output column, journal position).
 *
 * @param backboneId the {@link dev.loupe.backbone.Backbone#id()} whose embeddings the head was trained on
 * @param classIds   project class id of output column k (column order never changes: new classes append)
 * @param journalSeq the last journal event this state has learned from
 * @param labelCount labels the state was trained with
 * @param estimate   the model's estimated accuracy on the images then unlabelled (null: not known)
 */
public record ModelVersionFile(String backboneId, List<Long> classIds, long journalSeq, int labelCount, HeadState state,
                               AccuracyEstimate estimate) {

    private static final String META = "meta.json";
    private static final String HEAD = "head.bin";
    /** Made on first use: Jackson costs ~0.3 s of a CLI verb's start (ADR 0031), and not every verb reads a version. */
    private static final class Mapper {
        static final ObjectMapper JSON = new ObjectMapper();
    }

    public ModelVersionFile {
        classIds = List.copyOf(classIds);
        if (classIds.size() != state.classCount()) {
            throw new IllegalArgumentException(classIds.size() + " class ids for a head of " + state.classCount() + " classes");
        }
    }

    /** A version without an accuracy estimate. */
    public ModelVersionFile(String backboneId, List<Long> classIds, long journalSeq, int labelCount, HeadState state) {
        this(backboneId, classIds, journalSeq, labelCount, state, null);
    }

    /** Writes to a temporary name and moves it into place, so a crash never leaves half a file under {@code file}. */
    public void write(Path file) throws IOException {
        FileWrites.check(file);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            writeTo(tmp);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp); // a full disk leaves no half file behind
        }
    }

    private void writeTo(Path tmp) throws IOException {
        try (OutputStream raw = Files.newOutputStream(tmp)) {
            writeZip(raw);
            raw.flush();
            if (raw instanceof java.io.FileOutputStream fos) {
                fos.getFD().sync();
            }
        }
    }

    private void writeZip(OutputStream raw) throws IOException {
        // not closed: closing would close {@code raw}, which the caller syncs first
        ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(raw));
        {
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("format", 1);
            meta.put("backbone", backboneId);
            meta.put("classIds", classIds);
            meta.put("journalSeq", journalSeq);
            meta.put("labelCount", labelCount);
            if (estimate != null) meta.put("estimate", estimate.toJson());
            zip.putNextEntry(new ZipEntry(META));
            zip.write(Mapper.JSON.writeValueAsBytes(meta));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry(HEAD));
            state.writeTo(zip);
            zip.closeEntry();
            zip.finish();
            zip.flush();
        }
    }

    /** Reads a file written by {@link #write}; a damaged file is a {@link LoupeException} naming it. */
    public static ModelVersionFile read(Path file) {
        try (InputStream raw = Files.newInputStream(file)) {
            return read(raw, file.toString());
        } catch (IOException e) {
            throw new LoupeException("The model version file " + file + " is damaged (" + Faults.describe(e)
                    + "). Loupe can rebuild the model from the label journal: remove the file and open the project again.", e);
        }
    }

    /** The file's bytes as {@link #write} wrote them (a team's shared model version, ADR 0034). */
    public byte[] toBytes() throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        writeZip(out);
        return out.toByteArray();
    }

    /** Reads what {@link #write} wrote from {@code raw}; {@code file} names it in a message. */
    @SuppressWarnings("unchecked")
    public static ModelVersionFile read(InputStream raw, String file) {
        Map<String, Object> meta = null;
        HeadState state = null;
        try (ZipInputStream zip = new ZipInputStream(new BufferedInputStream(raw))) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                if (META.equals(e.getName())) {
                    meta = Mapper.JSON.readValue(zip.readAllBytes(), Map.class);
                } else if (HEAD.equals(e.getName())) {
                    state = HeadState.readFrom(new java.io.ByteArrayInputStream(zip.readAllBytes()));
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new LoupeException("The model version file " + file + " is damaged (" + Faults.describe(e)
                    + "). Loupe can rebuild the model from the label journal: remove the file and open the project again.", e);
        }
        if (meta == null || state == null) {
            throw new LoupeException("The model version file " + file + " is incomplete (no " + (meta == null ? META : HEAD)
                    + "). Remove it and open the project again; the model is rebuilt from the label journal.");
        }
        List<Long> ids = ((List<Number>) meta.get("classIds")).stream().map(Number::longValue).toList();
        AccuracyEstimate estimate = meta.get("estimate") instanceof Map<?, ?> e
                ? AccuracyEstimate.fromJson((Map<String, Object>) e) : null;
        return new ModelVersionFile((String) meta.get("backbone"), ids, ((Number) meta.get("journalSeq")).longValue(),
                ((Number) meta.get("labelCount")).intValue(), state, estimate);
    }
}
