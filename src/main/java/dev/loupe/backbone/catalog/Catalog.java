package dev.loupe.backbone.catalog;

import dev.loupe.Faults;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.loupe.backbone.BackboneException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The catalog of downloadable base models: Loupe's own {@value #RESOURCE}, plus the entries of the file named by the
 * system property {@value #EXTRA_PROPERTY} (an organisation's mirror, or a test's loopback server), which replace
 * built-in entries of the same name.
 */
public final class Catalog {

    /** The built-in catalog, a class-path resource. */
    public static final String RESOURCE = "/dev/loupe/backbone/catalog/catalog.json";
    /** System property naming a catalog file whose entries are added to (or replace) the built-in ones. */
    public static final String EXTRA_PROPERTY = "loupe.catalog";
    public static final int FORMAT_VERSION = 1;

    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Map<String, CatalogEntry> entries;

    private Catalog(Map<String, CatalogEntry> entries) {
        this.entries = entries;
    }

    /** The built-in catalog plus {@value #EXTRA_PROPERTY}'s entries. */
    public static Catalog load() throws BackboneException {
        Map<String, CatalogEntry> all = new LinkedHashMap<>();
        try (InputStream in = Catalog.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new BackboneException("the model catalog " + RESOURCE + " is missing from this build of Loupe");
            }
            for (CatalogEntry e : parse(in.readAllBytes(), "Loupe's catalog")) {
                all.put(e.name(), e);
            }
        } catch (IOException e) {
            throw new BackboneException("cannot read Loupe's model catalog: " + Faults.describe(e), e);
        }
        String extra = System.getProperty(EXTRA_PROPERTY);
        if (extra != null && !extra.isBlank()) {
            Path file = Path.of(extra);
            try {
                for (CatalogEntry e : parse(Files.readAllBytes(file), file.toString())) {
                    all.put(e.name(), e);
                }
            } catch (IOException e) {
                throw new BackboneException("cannot read the model catalog " + file + " (-D" + EXTRA_PROPERTY + "): "
                        + Faults.describe(e), e);
            }
        }
        return new Catalog(all);
    }

    /** Parses a catalog file: {@code {"format_version": 1, "models": [entry, ...]}}. */
    public static List<CatalogEntry> parse(byte[] json, String source) throws BackboneException {
        try {
            JsonNode root = JSON.readTree(json);
            int version = root.path("format_version").asInt(-1);
            if (version < 1 || version > FORMAT_VERSION) {
                throw new BackboneException(source + ": catalog format_version " + version + " is not one this Loupe"
                        + " reads (1.." + FORMAT_VERSION + ")");
            }
            List<CatalogEntry> out = new ArrayList<>();
            for (JsonNode n : root.path("models")) {
                out.add(JSON.treeToValue(n, CatalogEntry.class));
            }
            return out;
        } catch (BackboneException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new BackboneException(source + ": the model catalog is invalid: " + Faults.describe(e), e);
        }
    }

    public List<CatalogEntry> entries() {
        return List.copyOf(entries.values());
    }

    /** The entry called {@code name} (any case). */
    public Optional<CatalogEntry> find(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(entries.get(name.trim().toLowerCase(Locale.ROOT)));
    }

    /** The entry called {@code name}, or an error that lists the catalog's names. */
    public CatalogEntry get(String name) throws BackboneException {
        return find(name).orElseThrow(() -> new BackboneException("no model called '" + name + "' in the catalog;"
                + " it has: " + String.join(", ", entries.keySet()) + " (loupe models list)"));
    }
}
