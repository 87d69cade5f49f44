package dev.loupe.cli;

import dev.loupe.export.ProjectFromModel;
import dev.loupe.labelling.ProjectBackbone;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
                description = "The base model of a new empty project: FILE.zip, FILE.h5[#layer], model-zero or"
                        + " zoo:NAME; a file is copied into the project folder.")
        String backbone;
    }

    @Option(names = "--json", description = "Print a JSON summary on stdout.")
    boolean json;

    @Override
    public Integer call() {
        if (source.backbone != null) {
            return withBackbone();
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
        ProjectBackbone.Created c = ProjectBackbone.createProject(project, source.backbone);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("project", c.dir().toString());
            m.put("backbone", c.backboneId());
            m.put("backbone_setting", c.spec());
            m.put("dim", c.dim());
            Json.print(out, m);
        } else {
            out.printf("Created %s on the base model %s (%d-value embedding).%n", c.dir(), c.backboneId(), c.dim());
            out.printf("Next: loupe import %s FOLDER%n", project);
            out.flush();
        }
        return 0;
    }
}
