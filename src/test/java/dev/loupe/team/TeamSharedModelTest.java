package dev.loupe.team;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.labelling.LabellingSession;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.ModelVersion;
import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The team's shared model version against a real PostgreSQL (skipped without one, see {@link TeamPg}): a sync offers the
 * sharer's current model, a joiner starts from it (the same predictions, no retraining), and a damaged copy on the
 * server is refused with a message, the joiner training from the labels instead.
 */
class TeamSharedModelTest {

    @TempDir
    Path tmp;
    private String url;
    private String name;
    private Path data;
    private Path ann;

    @BeforeEach
    void shareAndLabel() throws Exception {
        url = TeamPg.url();
        name = TeamPg.projectName("model");
        data = TestImages.imageFolder(tmp.resolve("data"), 2, 4);
        ann = tmp.resolve("ann.loupe");
        ok(CliRun.run("import", ann.toString(), data.toString()));
        ok(CliRun.run("classes", ann.toString(), "add", "class0"));
        ok(CliRun.run("classes", ann.toString(), "add", "class1"));
        ok(CliRun.run("share", ann.toString(), "--server", url, "--name", name));
        ok(CliRun.run("label", ann.toString(), "class0/img0.png", "class0"));
        ok(CliRun.run("label", ann.toString(), "class1/img1.png", "class1"));
        ok(CliRun.run("label", ann.toString(), "class0/img2.png", "class0"));
        JsonNode sync = CliRun.run("sync", ann.toString(), "--json").json();
        assertThat(sync.get("uploaded").asInt()).isEqualTo(3);
        assertThat(sync.get("model_shared").asBoolean()).as("the model trained on all three labels is offered").isTrue();
        assertThat(CliRun.run("sync", ann.toString(), "--json").json().get("model_shared").asBoolean())
                .as("the same version is not offered twice").isFalse();
    }

    @Test
    void aJoinerStartsFromTheSharedVersionWithTheSamePredictions() throws Exception {
        Path bob = tmp.resolve("bob.loupe");
        CliRun join = CliRun.run("join", url, bob.toString(), "--images", data.toString(), "--name", name);
        ok(join);
        assertThat(join.out()).contains("3 labels taken in").contains("starts from the team's shared version");

        Map<String, float[]> mine = predictions(ann);
        Map<String, float[]> bobs = predictions(bob);
        assertThat(bobs.keySet()).isEqualTo(mine.keySet()).hasSize(8);
        for (String path : mine.keySet()) {
            assertThat(bobs.get(path)).as(path).containsExactly(mine.get(path));
        }
        try (ProjectStore s = ProjectStore.open(bob, false)) {
            List<ModelVersion> versions = s.modelVersions();
            assertThat(versions).as("the shared version, and no retrain after it").hasSize(1);
            assertThat(versions.get(0).note()).startsWith(SharedModels.NOTE_PREFIX);
            assertThat(versions.get(0).labelCount()).isEqualTo(3);
        }
    }

    @Test
    void aDamagedSharedVersionIsRefusedAndTheJoinerTrainsFromTheLabels() throws Exception {
        try (Connection c = DriverManager.getConnection(ServerUrl.parse(url).jdbcUrl(), ServerUrl.parse(url).properties());
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE loupe_model_versions SET data = substring(data from 1 for 200) WHERE project = ?")) {
            ps.setString(1, name);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        Path bob = tmp.resolve("bob.loupe");
        CliRun join = CliRun.run("join", url, bob.toString(), "--images", data.toString(), "--name", name);
        ok(join);
        assertThat(join.err()).contains("shared model").contains("damaged");
        assertThat(join.out()).contains("3 labels taken in").contains("trained from the team's labels");
        try (ProjectStore s = ProjectStore.open(bob, false)) {
            assertThat(s.modelVersions()).as("nothing installed").isEmpty();
        }
        try (Stream<Path> files = Files.list(bob.resolve("models"))) {
            assertThat(files.toList()).as("no half-written file").isEmpty();
        }
        Map<String, float[]> bobs = predictions(bob); // the session trains from the team's three labels
        try (ProjectStore s = ProjectStore.open(bob, false)) {
            assertThat(s.modelVersions()).hasSize(1);
            assertThat(s.modelVersions().get(0).labelCount()).isEqualTo(3);
            assertThat(s.modelVersions().get(0).note()).doesNotStartWith(SharedModels.NOTE_PREFIX);
        }
        assertThat(bobs).hasSize(8);
    }

    /** Each image's class probabilities under the project's model, by relative path, as a session opens it. */
    private static Map<String, float[]> predictions(Path project) {
        Map<String, float[]> out = new TreeMap<>();
        try (ProjectStore s = ProjectStore.open(project, false);
             LabellingSession session = LabellingSession.open(s, LabellingSession.Options.defaults())) {
            for (ImageRecord im : s.images()) {
                out.put(im.relPath(), session.probabilities(im.id()));
            }
            session.drainPersister();
        }
        return out;
    }

    private static void ok(CliRun r) {
        assertThat(r.exitCode()).as(r.err()).isZero();
    }
}
