package dev.loupe.export;

import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.backbone.Backbone;
import dev.loupe.backbone.BackboneLoader;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import dev.loupe.training.HeadState;
import dev.loupe.training.ModelVersionFile;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A small labelled project built the way a user gets one: images imported with {@code loupe import}, classes
 * added, images labelled, and (optionally) a model version holding a head trained on Model Zero embeddings.
 *
 * <p>Images: {@code data/class0/{img0,img1,we,ird "name"}.png} and {@code data/extra/img0.png} are "cat",
 * {@code data/class1/*} "dog, big", {@code data/class2/*} "bird/raptor", {@code data/pool/p0.png} is unlabelled. The
 * head has a fourth column, "old", trained on {@code p0.png} and then deleted from the project.
 */
public record ProjectFixture(Path dir, Path data, HeadState state, List<String> columns) {

    public static final List<String> COLUMNS = List.of("cat", "dog, big", "bird/raptor", "old");

    public static ProjectFixture build(Path root, boolean withModel) throws Exception {
        Path data = TestImages.imageFolder(root.resolve("data"), 3, 2);
        TestImages.png(data.resolve("class0/we,ird \"name\".png"), 0, 7);
        TestImages.png(data.resolve("extra/img0.png"), 0, 8);
        TestImages.png(data.resolve("pool/p0.png"), 1, 9);
        Path dir = root.resolve("p.loupe");
        CliRun imported = CliRun.run("import", dir.toString(), data.toString(), "--json");
        if (imported.exitCode() != 0 || imported.json().get("imported").asInt() != 9) {
            throw new AssertionError("import failed: " + imported.out() + imported.err());
        }
        HeadState state = null;
        try (ProjectStore store = ProjectStore.open(dir, false)) {
            store.setSetting(ProjectBackbone.SETTING, BackboneLoader.MODEL_ZERO);
            List<Long> ids = new ArrayList<>();
            for (String name : COLUMNS) {
                ids.add(store.addClass(name, null, null).id());
            }
            Map<String, Integer> byFolder = Map.of("class0", 0, "extra", 0, "class1", 1, "class2", 2, "pool", 3);
            List<Path> files = new ArrayList<>();
            List<Integer> y = new ArrayList<>();
            for (ImageRecord r : store.images()) {
                int c = byFolder.get(r.path().getParent().getFileName().toString());
                store.label(r.id(), ids.get(c), null, null);
                files.add(r.path());
                y.add(c);
            }
            if (withModel) {
                try (Backbone zero = BackboneLoader.load(BackboneLoader.MODEL_ZERO)) {
                    float[][] x = zero.embed(ExportFixtures.decode(zero, files));
                    state = ExportFixtures.trainedHead(x, y.stream().mapToInt(Integer::intValue).toArray(), COLUMNS.size());
                    new ModelVersionFile(zero.id(), ids, store.lastSeq(), files.size(), state)
                            .write(store.modelsDir().resolve("v000001.loupe-head"));
                    store.addModelVersion("models/v000001.loupe-head", files.size(), store.lastSeq(), "test");
                }
            }
            LabelClass old = store.classByName("old").orElseThrow();
            store.deleteClass(old.id());
        }
        return new ProjectFixture(dir, data, state, COLUMNS);
    }
}
