package dev.loupe.backbone;

import dev.loupe.Faults;
import dev.loupe.backbone.onnx.OnnxBackbone;
import dev.loupe.backbone.onnx.OnnxBackboneFiles;
import dev.loupe.backbone.onnx.OnnxBackboneMetadata;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns a user's backbone choice into a {@link Backbone}:
 * <ul>
 *   <li>{@code model-zero}: the base model that ships with Loupe ({@code models/model-zero.zip});</li>
 *   <li>a path to a Loupe backbone {@code .zip};</li>
 *   <li>a path to a Keras {@code .h5}, optionally {@code file.h5#layer} to pick the feature layer;</li>
 *   <li>a path to an ONNX image model {@code .onnx}, optionally {@code file.onnx#tensor} to pick the embedding
 *       tensor; its settings file ({@link OnnxBackboneFiles#metadataFile}) is used when there is one;</li>
 *   <li>{@code zoo:squeezenet}, {@code zoo:resnet50}, {@code zoo:vgg16}, optionally {@code #layer}
 *       (needs a network the first time).</li>
 * </ul>
 */
public final class BackboneLoader {

    public static final String MODEL_ZERO = "model-zero";
    /** System property naming the Model Zero file explicitly (packagers, tests). */
    public static final String MODEL_ZERO_PROPERTY = "loupe.modelZero";
    static final String MODEL_ZERO_FILE = "models/model-zero.zip";

    private BackboneLoader() {
    }

    public static Backbone load(String spec) throws BackboneException {
        if (spec == null || spec.isBlank()) {
            throw new BackboneException("no base model given; use model-zero, a .zip/.h5/.onnx file or zoo:<name>");
        }
        String s = spec.trim();
        if (s.equalsIgnoreCase(MODEL_ZERO)) {
            return Dl4jBackbone.load(locateModelZero());
        }
        String layer = null;
        int hash = s.lastIndexOf('#');
        if (hash > 0) {
            layer = s.substring(hash + 1);
            s = s.substring(0, hash);
        }
        if (s.regionMatches(true, 0, "zoo:", 0, 4)) {
            return ZooBackbone.load(ZooBackbone.Kind.parse(s.substring(4)), layer,
                    ZooBackbone.DEFAULT_CONNECT_TIMEOUT, ZooBackbone.DEFAULT_READ_TIMEOUT);
        }
        Path file = Path.of(s);
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".h5") || lower.endsWith(".hdf5")) {
            return KerasBackbone.load(file, layer);
        }
        if (lower.endsWith(".onnx")) {
            return loadOnnx(file, layer);
        }
        if (layer != null) {
            throw new BackboneException("'#layer' only applies to .h5 and .onnx files and zoo models; a .zip names its"
                    + " feature layers in its metadata");
        }
        return Dl4jBackbone.load(file);
    }

    /**
     * An ONNX file: with its settings file when there is one and no other tensor is asked for, else read from the
     * graph with the defaults of {@link OnnxBackbone.Options#defaults()}.
     */
    private static Backbone loadOnnx(Path file, String tensor) throws BackboneException {
        Path settings = OnnxBackboneFiles.metadataFile(file);
        if (Files.isRegularFile(settings)) {
            OnnxBackboneMetadata stored = OnnxBackboneFiles.read(settings);
            if (tensor == null || tensor.equals(stored.embeddingTensor())) {
                return OnnxBackbone.open(file, stored);
            }
        }
        return OnnxBackbone.open(file, OnnxBackbone.Options.defaults().withEmbeddingTensor(tensor));
    }

    /**
     * Finds the shipped Model Zero. It is a file, not a class-path resource, so the jar stays small
     * and the model can be swapped without a rebuild. Looked for, in order: the
     * {@value #MODEL_ZERO_PROPERTY} system property; {@value #MODEL_ZERO_FILE} under the working
     * folder; {@value #MODEL_ZERO_FILE} next to, or up to two folders above, the jar or classes folder
     * (so both {@code mvn javafx:run} in the repository and {@code java -jar target/loupe.jar} from
     * anywhere find it); and last a class-path resource {@code /models/model-zero.zip}, should a
     * packager add one.
     */
    public static Path locateModelZero() throws BackboneException {
        List<Path> tried = new ArrayList<>();
        String property = System.getProperty(MODEL_ZERO_PROPERTY);
        if (property != null && !property.isBlank()) {
            Path p = Path.of(property);
            if (Files.isRegularFile(p)) {
                return p;
            }
            throw new BackboneException("Model Zero not found at " + p.toAbsolutePath() + " (set by -D"
                    + MODEL_ZERO_PROPERTY + ")");
        }
        Path cwd = Path.of("").toAbsolutePath().resolve(MODEL_ZERO_FILE);
        tried.add(cwd);
        if (Files.isRegularFile(cwd)) {
            return cwd;
        }
        Optional<Path> code = codeLocation();
        if (code.isPresent()) {
            Path dir = Files.isDirectory(code.get()) ? code.get() : code.get().getParent();
            for (int up = 0; up <= 2 && dir != null; up++, dir = dir.getParent()) {
                Path candidate = dir.resolve(MODEL_ZERO_FILE);
                tried.add(candidate);
                if (Files.isRegularFile(candidate)) {
                    return candidate;
                }
            }
        }
        Optional<Path> resource = fromClassPath();
        if (resource.isPresent()) {
            return resource.get();
        }
        throw new BackboneException("Model Zero (" + MODEL_ZERO_FILE + ") not found; looked at " + tried
                + ". Reinstall Loupe, set -D" + MODEL_ZERO_PROPERTY + "=<file>, or choose a .zip/.h5 base model.");
    }

    private static Optional<Path> codeLocation() {
        try {
            var source = BackboneLoader.class.getProtectionDomain().getCodeSource();
            return source == null ? Optional.empty() : Optional.of(Path.of(source.getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> fromClassPath() throws BackboneException {
        try (InputStream in = BackboneLoader.class.getResourceAsStream("/" + MODEL_ZERO_FILE)) {
            if (in == null) {
                return Optional.empty();
            }
            // A fixed name per content would be nicer; one copy per run is fine for a few-MB file.
            Path tmp = Files.createTempFile("model-zero", ".zip");
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return Optional.of(tmp);
        } catch (IOException e) {
            throw new BackboneException("could not read Model Zero from the class path: " + Faults.describe(e), e);
        }
    }
}
