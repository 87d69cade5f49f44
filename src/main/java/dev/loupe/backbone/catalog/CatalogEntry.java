package dev.loupe.backbone.catalog;

import dev.loupe.backbone.onnx.OnnxBackbone;
import dev.loupe.backbone.onnx.PreprocessingPreset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A downloadable base model of the catalog ({@code catalog.json} beside this class; format in
 * docs/adr/0019-onnx.md): what it is and is good at, its licence and where its hashes come from, its files, and how
 * Loupe embeds with it.
 *
 * @param name            the name users type ({@code loupe models get NAME}, {@code loupe new P --backbone NAME})
 * @param title           a human title, e.g. "MobileNetV2 (ImageNet)"
 * @param goodAt          one or two sentences: what the model is good at, and its cost
 * @param licence         SPDX id of the weights' licence
 * @param source          who publishes it and where the pinned hashes were read
 * @param files           the files; exactly one has the role {@link CatalogFile#IMAGE_MODEL}
 * @param preprocessing   the input conversion preset ({@link PreprocessingPreset#id()})
 * @param size            the input side for a graph whose size is dynamic; 0 when the graph fixes it
 * @param embeddingTensor the tensor to embed from; null for the input of the final classifier layer
 * @param l2Normalize     whether embeddings are L2-normalised (CLIP's image embedding)
 * @param dim             the embedding length the entry promises (checked when the model is opened)
 * @param properties      free settings for engines beyond the image embedding (e.g. a text model's tensor names)
 */
public record CatalogEntry(String name, String title, String goodAt, String licence, String source,
                           List<CatalogFile> files, String preprocessing, int size, String embeddingTensor,
                           boolean l2Normalize, int dim, Map<String, String> properties) {

    public CatalogEntry {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[a-z0-9][a-z0-9._-]*")) {
            throw new IllegalArgumentException("catalog names are lower-case letters, digits, '.', '_', '-': " + name);
        }
        files = files == null ? List.of() : List.copyOf(files);
        if (files.stream().filter(f -> f.role().equals(CatalogFile.IMAGE_MODEL)).count() != 1) {
            throw new IllegalArgumentException("catalog entry " + name + " needs exactly one file with the role "
                    + CatalogFile.IMAGE_MODEL);
        }
        if (files.stream().map(CatalogFile::file).distinct().count() != files.size()) {
            throw new IllegalArgumentException("catalog entry " + name + " names a file twice");
        }
        PreprocessingPreset.parse(preprocessing == null ? "imagenet" : preprocessing);
        preprocessing = preprocessing == null ? "imagenet" : preprocessing;
        properties = properties == null ? Map.of() : Map.copyOf(properties);
    }

    /** The ONNX model that embeds images. */
    public CatalogFile imageModel() {
        return files.stream().filter(f -> f.role().equals(CatalogFile.IMAGE_MODEL)).findFirst().orElseThrow();
    }

    /** The file with {@code role}, if the entry has one. */
    public Optional<CatalogFile> file(String role) {
        return files.stream().filter(f -> f.role().equals(role)).findFirst();
    }

    /** Bytes of all files together (0 when a size is unknown). */
    public long totalBytes() {
        long sum = 0;
        for (CatalogFile f : files) {
            if (f.bytes() <= 0) {
                return 0;
            }
            sum += f.bytes();
        }
        return sum;
    }

    /**
     * How to open the image model: the entry's name, description, tensor, preprocessing and L2 flag, the image model's
     * hash ({@code imageSha256}: the pinned one, or the one recorded at download), and the other files as companions
     * by role.
     */
    public OnnxBackbone.Options options(String imageSha256) {
        Map<String, String> companions = new LinkedHashMap<>();
        for (CatalogFile f : files) {
            if (!f.role().equals(CatalogFile.IMAGE_MODEL)) {
                companions.put(f.role(), f.file());
            }
        }
        return OnnxBackbone.Options.defaults()
                .withName(name, title + ": " + goodAt + " (" + licence + "; " + source + ")")
                .withEmbeddingTensor(embeddingTensor)
                .withPreset(PreprocessingPreset.parse(preprocessing))
                .withSize(size)
                .withL2Normalize(l2Normalize)
                .withSha256(imageSha256)
                .withCompanions(companions);
    }
}
