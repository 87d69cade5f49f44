package dev.loupe.cli;

import dev.loupe.export.ClassColumn;
import dev.loupe.export.LoupeModel;
import dev.loupe.labelling.ProjectBackbone;
import dev.loupe.backbone.BackboneFiles;
import dev.loupe.backbone.BackboneLoader;
import dev.loupe.project.ProjectStore;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import dev.loupe.training.Head;
import dev.loupe.training.HeadConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Damaged and unsuitable inputs through the CLI: each is a user error (exit 1) whose message says what to do,
 * the file is left as it was, and nothing else is harmed.
 */
class BadInputTest {

    @TempDir
    static Path shared;
    static Path modelZero;
    static Path model;
    static Path images;

    @TempDir
    Path tmp;

    @BeforeAll
    static void writeAModel() throws Exception {
        modelZero = BackboneLoader.locateModelZero();
        int dim = BackboneFiles.readMetadata(modelZero).dim();
        model = shared.resolve("model.zip");
        LoupeModel.write(model, modelZero, Head.create(HeadConfig.linear(dim, 1), 2).state(),
                List.of(ClassColumn.live("a", true), ClassColumn.live("b", true)), Map.of());
        images = TestImages.imageFolder(shared.resolve("images"), 2, 2);
    }

    /** The file cut in half, and the file with its middle overwritten by junk. */
    private static List<Path> damagedCopies(Path original, Path dir) throws Exception {
        byte[] bytes = Files.readAllBytes(original);
        Path truncated = Files.write(dir.resolve("truncated-" + original.getFileName()), Arrays.copyOf(bytes, bytes.length / 2));
        byte[] garbled = bytes.clone();
        for (int i = garbled.length / 3; i < 2 * garbled.length / 3; i++) {
            garbled[i] = (byte) (i * 131 + 17);
        }
        return List.of(truncated, Files.write(dir.resolve("garbled-" + original.getFileName()), garbled));
    }

    private static void assertUserError(CliRun r, String... saying) {
        assertThat(r.exitCode()).as(r.err()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(r.err()).contains(saying).doesNotContain("Exception", "\tat ");
    }

    @Test
    void aTruncatedOrGarbledModelIsRefusedByPredictAndNewAndLeftAsItWas() throws Exception {
        for (Path bad : damagedCopies(model, tmp)) {
            byte[] before = Files.readAllBytes(bad);
            assertUserError(CliRun.run("predict", bad.toString(), images.toString()), bad.getFileName().toString(),
                    "damaged", "Export the model again");
            Path project = tmp.resolve("from-" + bad.getFileName() + ".loupe");
            assertUserError(CliRun.run("new", project.toString(), "--model", bad.toString()), "damaged");
            assertThat(project).doesNotExist();
            assertThat(Files.readAllBytes(bad)).isEqualTo(before);
        }
        assertThat(CliRun.run("predict", model.toString(), images.toString()).exitCode()).isZero(); // the rest works
    }

    @Test
    void aModelWhoseHeadIsForAnotherInputSizeSaysSo() throws Exception {
        // the writer refuses such a model, so swap the head inside a good file for one made for 7-value inputs
        Path other = tmp.resolve("other-size.zip");
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
        Head.create(HeadConfig.linear(7, 1), 2).state().writeTo(head);
        try (java.util.zip.ZipFile in = new java.util.zip.ZipFile(model.toFile());
             java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(other))) {
            for (java.util.zip.ZipEntry e : java.util.Collections.list(in.entries())) {
                out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                out.write(e.getName().equals(LoupeModel.HEAD_ENTRY) ? head.toByteArray() : in.getInputStream(e).readAllBytes());
                out.closeEntry();
            }
        }
        assertUserError(CliRun.run("predict", other.toString(), images.toString()), "head expects 7",
                "another base model", "Export the model again");
        assertUserError(CliRun.run("new", tmp.resolve("n.loupe").toString(), "--model", other.toString()),
                "head expects 7");
    }

    @Test
    void aProjectWhoseBaseModelFileIsDamagedSaysWhichAndKeepsItsLabels() throws Exception {
        Path project = tmp.resolve("p.loupe");
        assertThat(CliRun.run("import", project.toString(), images.toString(), "--labels-from-subfolders").exitCode()).isZero();
        for (Path bad : damagedCopies(modelZero, tmp)) {
            try (ProjectStore store = ProjectStore.open(project, false)) {
                store.setSetting(ProjectBackbone.SETTING, bad.toString());
            }
            assertUserError(CliRun.run("queue", project.toString()), "Cannot load the project's base model",
                    bad.getFileName().toString());
            try (ProjectStore store = ProjectStore.open(project, false)) {
                assertThat(store.currentLabels()).hasSize(4);
            }
        }
        try (ProjectStore store = ProjectStore.open(project, false)) {
            store.setSetting(ProjectBackbone.SETTING, BackboneLoader.MODEL_ZERO); // the way back
        }
        assertThat(CliRun.run("queue", project.toString()).exitCode()).isZero();
    }

    @Test
    void aDamagedProjectDbIsRefusedUntouchedWithTheWayToRecover() throws Exception {
        Path project = tmp.resolve("p.loupe");
        assertThat(CliRun.run("import", project.toString(), images.toString(), "--labels-from-subfolders").exitCode()).isZero();
        Path db = project.resolve("project.db");
        byte[] good = Files.readAllBytes(db);

        byte[] garbage = new byte[good.length];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 31 + 7);
        }
        byte[] truncated = Arrays.copyOf(good, good.length / 2);
        byte[] garbledPages = good.clone(); // a valid header, junk after the first page
        for (int i = 4096; i < garbledPages.length; i++) {
            garbledPages[i] = (byte) (i * 131 + 17);
        }
        for (byte[] bad : List.of(garbage, truncated, garbledPages)) {
            Files.write(db, bad);
            CliRun r = CliRun.run("status", project.toString());
            assertUserError(r, "project.db", "Loupe changed nothing", "project.db.bak-v");
            assertThat(Files.readAllBytes(db)).isEqualTo(bad);
        }

        Path other = tmp.resolve("other.loupe");
        Files.createDirectories(other);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + other.resolve("project.db"));
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
        }
        byte[] before = Files.readAllBytes(other.resolve("project.db"));
        assertUserError(CliRun.run("status", other.toString()), "belongs to another program");
        assertThat(Files.readAllBytes(other.resolve("project.db"))).isEqualTo(before);

        Files.write(db, good); // restoring the copy is all it takes
        assertThat(CliRun.run("status", project.toString()).exitCode()).isZero();
    }
}
