package dev.loupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.export.ClassColumn;
import dev.loupe.export.ExportFixtures;
import dev.loupe.export.LoupeModel;
import dev.loupe.backbone.Backbone;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import dev.loupe.training.HeadState;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PredictCommandTest {

    private static final List<String> NAMES = List.of("circle", "box", "triangle");

    @TempDir
    static Path shared;

    static Path model;
    static Path folder;
    static List<Path> good;
    static float[][] direct;

    @BeforeAll
    static void writeModelAndFolder() throws Exception {
        folder = shared.resolve("in");
        good = new ArrayList<>();
        int[] y = new int[6];
        for (int i = 0; i < 6; i++) {
            y[i] = i % 3;
            good.add(TestImages.png(folder.resolve((i < 3 ? "a/" : "b/") + "img" + i + ".png"), y[i], i));
        }
        Files.writeString(folder.resolve("a/broken.png"), "this is not a png");
        Files.writeString(folder.resolve("notes.txt"), "hello");
        try (Backbone zero = ExportFixtures.modelZero()) {
            float[][] x = zero.embed(ExportFixtures.decode(zero, good));
            HeadState state = ExportFixtures.trainedHead(x, y, 3);
            direct = ExportFixtures.directProbabilities(state, x);
            model = shared.resolve("shapes.zip");
            LoupeModel.write(model, ExportFixtures.modelZeroFile(), state,
                    NAMES.stream().map(n -> ClassColumn.live(n, true)).toList(), Map.of());
        }
    }

    @Test
    void predictsEveryReadableImageSortedByPathAndListsTheRest() {
        CliRun run = CliRun.run("predict", model.toString(), folder.toString(), "--json", "--threads", "2");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode rows = run.json();
        List<String> expectedPaths = good.stream().map(p -> p.toAbsolutePath().normalize().toString()).sorted().toList();
        assertThat(rows.findValuesAsText("path")).isEqualTo(expectedPaths);
        for (JsonNode row : rows) {
            int i = good.indexOf(Path.of(row.get("path").asText()));
            assertThat(i).as(row.toString()).isNotNegative();
            int best = ExportFixtures.argmax(direct[i]);
            assertThat(row.get("label").asText()).isEqualTo(NAMES.get(best));
            assertThat(row.get("confidence").asDouble()).isCloseTo(direct[i][best], org.assertj.core.data.Offset.offset(1e-5));
        }
        assertThat(run.err()).contains("broken.png").contains("not an image");
        assertThat(run.err()).contains("notes.txt");
        assertThat(run.out()).doesNotContain("broken.png");
    }

    @Test
    void textModeListsOneLinePerImageAndTheUnreadableOnStderr() {
        CliRun run = CliRun.run("predict", model.toString(), folder.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().lines()).hasSize(6).allSatisfy(line -> assertThat(line.split("\t")).hasSize(3));
        assertThat(run.err()).contains("cannot read").contains("broken.png");
    }

    @Test
    void aBadModelFileOrFolderIsAUserError() throws Exception {
        Path notAModel = Files.writeString(shared.resolve("model.zip"), "nope");
        CliRun bad = CliRun.run("predict", notAModel.toString(), folder.toString());
        assertThat(bad.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(bad.err()).contains("not a Loupe model file");

        CliRun noFolder = CliRun.run("predict", model.toString(), shared.resolve("missing").toString());
        assertThat(noFolder.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(noFolder.err()).contains("not a folder");
    }
}
