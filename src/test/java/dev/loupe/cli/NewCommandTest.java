package dev.loupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.export.LoupeModel;
import dev.loupe.export.ProjectFixture;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.backbone.Backbone;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ModelVersion;
import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.training.ModelVersionFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NewCommandTest {

    @TempDir
    static Path shared;

    static Path model;

    @TempDir
    Path tmp;

    @BeforeAll
    static void exportAModel() throws Exception {
        ProjectFixture source = ProjectFixture.build(shared, true);
        model = shared.resolve("exported.zip");
        CliRun run = CliRun.run("export", source.dir().toString(), "--model", model.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
    }

    @Test
    void aNewProjectContinuesFromTheModel() throws Exception {
        Path project = tmp.resolve("next.loupe");
        CliRun run = CliRun.run("new", project.toString(), "--model", model.toString(), "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode summary = run.json();
        assertThat(summary.get("classes")).extracting(JsonNode::asText).containsExactly("cat", "dog, big", "bird/raptor", "old");
        assertThat(summary.get("model_version").asInt()).isEqualTo(1);

        try (LoupeModel exported = LoupeModel.load(model); ProjectStore store = ProjectStore.open(project, false)) {
            assertThat(store.setting(ProjectBackbone.SETTING)).contains("backbone.zip");
            assertThat(project.resolve("backbone.zip")).exists();
            assertThat(store.classes()).extracting(LabelClass::name).containsExactly("cat", "dog, big", "bird/raptor");
            List<LabelClass> all = store.allClasses();
            assertThat(all).extracting(LabelClass::name).containsExactly("cat", "dog, big", "bird/raptor", "old");
            assertThat(all.get(3).deleted()).isTrue();

            List<ModelVersion> versions = store.modelVersions();
            assertThat(versions).hasSize(1);
            assertThat(versions.get(0).note()).contains("exported.zip");
            ModelVersionFile v1 = ModelVersionFile.read(store.dir().resolve(versions.get(0).file()));
            assertThat(v1.classIds()).isEqualTo(all.stream().map(LabelClass::id).toList());
            assertThat(v1.classIds()).isSorted();
            assertThat(v1.state()).isEqualTo(exported.headState());
            assertThat(v1.state().isActive(3)).as("the deleted class's column is masked").isFalse();
            assertThat(v1.journalSeq()).isEqualTo(store.lastSeq());
            try (Backbone backbone = ProjectBackbone.load(store)) {
                assertThat(backbone.id()).isEqualTo(v1.backboneId()).isEqualTo(exported.backbone().id());
            }
        }
    }

    @Test
    void anExistingProjectIsRefusedAndLeftAlone() throws Exception {
        Path project = tmp.resolve("next.loupe");
        assertThat(CliRun.run("new", project.toString(), "--model", model.toString()).exitCode()).isZero();
        CliRun again = CliRun.run("new", project.toString(), "--model", model.toString());
        assertThat(again.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(again.err()).contains("already exists");
        try (ProjectStore store = ProjectStore.open(project, false)) {
            assertThat(store.modelVersions()).hasSize(1);
            assertThat(store.allClasses()).hasSize(4);
        }
    }

    @Test
    void aBadModelLeavesNoProjectBehind() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.zip"), "not a model");
        Path project = tmp.resolve("never.loupe");
        CliRun run = CliRun.run("new", project.toString(), "--model", bad.toString());
        assertThat(run.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(run.err()).contains("not a Loupe model file");
        assertThat(project).doesNotExist();
    }

    @Test
    void aBadBackboneLeavesNoProjectBehind() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.zip"), "not a model");
        Path project = tmp.resolve("never.loupe");
        CliRun run = CliRun.run("new", project.toString(), "--backbone", bad.toString());
        assertThat(run.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(run.err()).contains("Cannot use " + bad + " as a base model", "not a backbone file");
        assertThat(project).doesNotExist();

        CliRun missing = CliRun.run("new", project.toString(), "--backbone", tmp.resolve("nope.zip").toString());
        assertThat(missing.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(missing.err()).contains("file not found");
        assertThat(project).doesNotExist();
    }

    @Test
    void modelAndBackboneTogetherIsAUsageError() {
        CliRun run = CliRun.run("new", tmp.resolve("x.loupe").toString(), "--model", model.toString(),
                "--backbone", "model-zero");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("mutually exclusive");
        assertThat(tmp.resolve("x.loupe")).doesNotExist();
    }
}
