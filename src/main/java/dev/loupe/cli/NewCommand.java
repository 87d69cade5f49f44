package dev.loupe.cli;

import dev.loupe.export.ProjectFromModel;
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

/** {@code loupe new}: a new project that continues fine-tuning an exported model. */
@Command(name = "new", description = {
        "Create the project PROJECT from a model exported by `loupe export --model`: its base model, classes and",
        "head carry over, and labelling continues training where the model stopped. Import images next."})
public final class NewCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECT", description = "The new project folder (must not exist yet).")
    Path project;

    @Option(names = "--model", required = true, paramLabel = "MODEL.zip", description = "The exported model file.")
    Path model;

    @Option(names = "--json", description = "Print a JSON summary on stdout.")
    boolean json;

    @Override
    public Integer call() {
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
}
