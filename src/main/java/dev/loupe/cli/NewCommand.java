package dev.loupe.cli;

import dev.loupe.Faults;
import dev.loupe.LoupeException;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.catalog.CatalogEntry;
import dev.loupe.backbone.catalog.CatalogModels;
import dev.loupe.backbone.clip.ClipPair;
import dev.loupe.backbone.onnx.OnnxBackbone;
import dev.loupe.backbone.onnx.PreprocessingPreset;
import dev.loupe.export.ProjectFromModel;
import dev.loupe.labelling.ProjectBackbone;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code loupe new}: a new project that continues fine-tuning an exported model, or starts on a chosen base model. */
@Command(name = "new", description = {
        "Create the project PROJECT, either from a model exported by",
        "`loupe export --model` (its base model, classes and head carry over, and",
        "labelling continues training where the model stopped), or empty on the base",
        "model --backbone (e.g. one made by `loupe train-backbone`). Import images next."})
public final class NewCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT", description = "The new project folder (must not exist yet).")
    Path project;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--model", required = true, paramLabel = "MODEL.zip", description = "The exported model file.")
        Path model;

        @Option(names = "--backbone", required = true, paramLabel = "SPEC",
                description = "The base model of a new empty project: FILE.zip, FILE.h5[#layer], FILE.onnx[#tensor],"
                        + " model-zero, a catalog name (loupe models list; downloaded once into the user's cache) or"
                        + " zoo:NAME; a file is copied into the project folder.")
        String backbone;
    }

    @Option(names = "--preprocessing", paramLabel = "PRESET",
            description = "For an .onnx base model: how images become its input: imagenet (default: short side 256,"
                    + " centre crop 224, ImageNet mean/std), clip, inception ((x-127)/128) or unit ([0,1]).")
    String preprocessing;

    @Option(names = "--size", paramLabel = "PIXELS",
            description = "For an .onnx base model whose input size is dynamic: the side of the square input.")
    int size;

    @Option(names = "--l2-normalize", description = "For an .onnx base model: divide every embedding by its length.")
    boolean l2Normalize;

    @Option(names = "--text-model", paramLabel = "FILE.onnx",
            description = "For an .onnx image model of a CLIP pair: its text model (inputs input_ids, attention_mask),"
                    + " so classes start from their names; needs --vocabulary and turns --l2-normalize on.")
    Path textModel;

    @Option(names = "--vocabulary", paramLabel = "FILE.txt.gz",
            description = "With --text-model: CLIP's BPE vocabulary (bpe_simple_vocab_16e6.txt.gz).")
    Path vocabulary;

    @Option(names = "--json", description = "Print a JSON summary on stdout.")
    boolean json;

    @Option(names = "--server", paramLabel = "URL",
            description = "Share the new project with a team through this PostgreSQL server (postgresql://USER@HOST/DB;"
                    + " the password from PGPASSWORD or ~/.pgpass), as `loupe share` does.")
    String server;

    @Option(names = "--name", paramLabel = "NAME", description = "With --server: the project's name there (default: the folder's).")
    String serverName;

    @Option(names = "--overlap", paramLabel = "SHARE", description = "With --server: share of the images several annotators"
            + " each label, for agreement, as `loupe share --overlap` (default: ${DEFAULT-VALUE}).")
    double overlap;

    @Option(names = "--overlap-k", paramLabel = "K", description = "With --server: annotators per overlap image (default: ${DEFAULT-VALUE}).")
    int overlapK = 2;

    @Override
    public Integer call() {
        if (server != null) {
            dev.loupe.team.ServerUrl.parse(server); // a bad address fails before anything is created
            ShareCommand.checkOverlap(overlap, overlapK);
        }
        int code = create();
        if (code == 0 && server != null) {
            try (dev.loupe.project.ProjectStore store = dev.loupe.project.ProjectStore.open(project, false)) {
                ShareCommand.share(store, server, serverName, overlap, overlapK, json ? new PrintWriter(java.io.Writer.nullWriter())
                        : spec.commandLine().getOut(), spec.commandLine().getErr());
            }
        }
        return code;
    }

    private int create() {
        if (source.backbone != null) {
            return withBackbone();
        }
        if (preprocessing != null || size > 0 || l2Normalize) {
            throw new LoupeException("--preprocessing, --size and --l2-normalize apply to a new project on an .onnx base"
                    + " model (--backbone); an exported model brings its own.");
        }
        Path model = source.model;
        ProjectFromModel.Created c = ProjectFromModel.create(project, model);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("project", c.dir().toString());
            m.put("classes", c.classes());
            m.put("class_ids", c.classIds());
            m.put("backbone", c.backboneId());
            m.put("model_version", c.modelVersion().id());
            Json.print(out, m);
        } else {
            out.printf("Created %s from %s: classes %s, backbone %s, model version %d.%n", c.dir(), model,
                    c.classes(), c.backboneId(), c.modelVersion().id());
            out.printf("Next: loupe import %s FOLDER%n", project);
            out.flush();
        }
        return 0;
    }

    private int withBackbone() {
        String s = source.backbone.trim();
        if ((textModel == null) != (vocabulary == null)) {
            throw new LoupeException("--text-model and --vocabulary go together: a CLIP text model needs its vocabulary.");
        }
        boolean onnxOptions = preprocessing != null || size > 0 || l2Normalize || textModel != null;
        int at = s.lastIndexOf('#');
        String file = at > 0 ? s.substring(0, at) : s;
        ProjectBackbone.Created c;
        Optional<CatalogEntry> entry = ProjectBackbone.catalogEntry(s);
        String hashNote = null;
        if (entry.isPresent()) {
            if (onnxOptions) {
                throw new LoupeException("--preprocessing, --size, --l2-normalize and --text-model apply to .onnx files; the catalog"
                        + " model " + entry.get().name() + " comes with its own settings.");
            }
            CatalogModels.Fetched fetched;
            try {
                fetched = CatalogModels.standard().fetch(entry.get(), ModelsCommand.progressTo(spec.commandLine().getErr()),
                        () -> false);
            } catch (BackboneException e) {
                throw new LoupeException(e.getMessage(), e);
            }
            if (fetched.downloaded()) {
                hashNote = ModelsCommand.hashLine(entry.get(), fetched);
            }
            c = ProjectBackbone.createOnnxProject(project, fetched.imageModel(), fetched.options(), true);
        } else if (file.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            OnnxBackbone.Options options = OnnxBackbone.Options.defaults()
                    .withEmbeddingTensor(at > 0 ? s.substring(at + 1) : null)
                    .withSize(size)
                    .withL2Normalize(l2Normalize || textModel != null);
            if (textModel != null) {
                for (Path p : new Path[] {textModel, vocabulary}) {
                    if (!Files.isRegularFile(p)) {
                        throw new LoupeException(p + ": file not found.");
                    }
                }
                options = options.withCompanions(Map.of(ClipPair.TEXT_MODEL, textModel.toAbsolutePath().toString(),
                        ClipPair.VOCABULARY, vocabulary.toAbsolutePath().toString()));
            }
            if (preprocessing != null) {
                try {
                    options = options.withPreset(PreprocessingPreset.parse(preprocessing));
                } catch (IllegalArgumentException e) {
                    throw new LoupeException(Faults.describe(e) + ".");
                }
            }
            c = ProjectBackbone.createOnnxProject(project, Path.of(file), options, false);
        } else {
            if (onnxOptions) {
                throw new LoupeException("--preprocessing, --size, --l2-normalize and --text-model apply to .onnx base models only.");
            }
            c = ProjectBackbone.createProject(project, source.backbone);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (hashNote != null && !json) {
            out.println(hashNote);
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("project", c.dir().toString());
            m.put("backbone", c.backboneId());
            m.put("backbone_setting", c.spec());
            m.put("dim", c.dim());
            m.put("text_model", c.textModel());
            Json.print(out, m);
        } else {
            out.printf("Created %s on the base model %s (%d-value embedding%s).%n", c.dir(), c.backboneId(), c.dim(),
                    c.textModel() ? "; with a text model: classes start from their names" : "");
            out.printf("Next: loupe import %s FOLDER%n", project);
            out.flush();
        }
        return 0;
    }
}
