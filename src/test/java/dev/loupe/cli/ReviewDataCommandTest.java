package dev.loupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code loupe review --duplicates / --outliers / --exclude}: planted copies grouped, planted junk found, exclusion undone. */
class ReviewDataCommandTest {

    @TempDir
    Path tmp;

    private Path plantedProject() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 3, 20);
        // a resized copy (other bytes, same picture) and a noise image unlike any other
        BufferedImage src = ImageIO.read(data.resolve("class1/img3.png").toFile());
        BufferedImage big = new BufferedImage(96, 96, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = big.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, 96, 96, null);
        g.dispose();
        ImageIO.write(big, "png", data.resolve("class1/img3-big.png").toFile());
        Random r = new Random(1);
        BufferedImage noise = new BufferedImage(48, 48, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 48; y++) for (int x = 0; x < 48; x++) noise.setRGB(x, y, r.nextInt(1 << 24));
        Files.createDirectories(data.resolve("pool"));
        ImageIO.write(noise, "png", data.resolve("pool/noise.png").toFile());
        Path project = tmp.resolve("p.loupe");
        CliRun imp = CliRun.run("import", project.toString(), data.toString(), "--labels-from-subfolders");
        assertThat(imp.exitCode()).as(imp.err()).isZero();
        return project;
    }

    @Test
    void duplicatesOutliersAndAnUndoneExclusion() throws Exception {
        Path project = plantedProject();

        JsonNode dup = CliRun.run("review", project.toString(), "--duplicates", "--json").json();
        assertThat(dup.get("images").asInt()).isEqualTo(62);
        List<List<String>> groups = new java.util.ArrayList<>();
        dup.get("groups").forEach(gr -> groups.add(gr.get("images").findValuesAsText("path")));
        assertThat(groups).anySatisfy(gr -> assertThat(gr).anyMatch(p -> p.endsWith("class1/img3.png"))
                .anyMatch(p -> p.endsWith("class1/img3-big.png")));
        assertThat(groups).noneSatisfy(gr -> assertThat(gr).anyMatch(p -> p.endsWith("noise.png")));

        JsonNode out = CliRun.run("review", project.toString(), "--outliers", "--json").json();
        assertThat(out.get("outliers").get(0).get("path").asText()).endsWith("pool/noise.png");
        assertThat(out.get("outliers").size()).isLessThanOrEqualTo(6);

        String noise = out.get("outliers").get(0).get("path").asText();
        assertThat(queuePaths(project)).contains(noise);
        CliRun ex = CliRun.run("review", project.toString(), "--exclude", noise, "--json");
        assertThat(ex.exitCode()).as(ex.err()).isZero();
        assertThat(ex.json().get("excluded").asInt()).isEqualTo(1);
        assertThat(queuePaths(project)).doesNotContain(noise);
        assertThat(CliRun.run("review", project.toString(), "--outliers", "--json").json().get("outliers").findValuesAsText("path"))
                .doesNotContain(noise);

        assertThat(CliRun.run("review", project.toString(), "--undo-exclusion", "--json").json().get("changed").asInt()).isEqualTo(1);
        assertThat(queuePaths(project)).contains(noise);
    }

    @Test
    void hideCopiesKeepsOnePerGroup() throws Exception {
        Path project = plantedProject();
        JsonNode before = CliRun.run("review", project.toString(), "--duplicates", "--json").json();
        int copies = 0;
        for (JsonNode g : before.get("groups")) {
            copies += g.get("images").size() - 1;
        }
        assertThat(copies).isPositive();
        CliRun run = CliRun.run("review", project.toString(), "--hide-copies", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.json().get("changed").asInt()).isEqualTo(copies);
        JsonNode list = CliRun.run("review", project.toString(), "--excluded", "--json").json();
        assertThat(list.size()).isEqualTo(copies);
        for (JsonNode g : before.get("groups")) {
            long kept = 0;
            for (JsonNode im : g.get("images")) {
                boolean out = false;
                for (JsonNode e : list) out |= e.asText().equals(im.get("path").asText());
                if (!out) kept++;
            }
            assertThat(kept).as("one image of each group stays").isEqualTo(1);
        }
    }

    @Test
    void labelCopiesGivesTheGroupsLabelToItsUnlabelledCopy() throws Exception {
        Path project = plantedProject();
        // the resized copy lies in class1/ and was labelled from its folder: take that label back first
        Path copy = tmp.resolve("data/class1/img3-big.png");
        try (dev.loupe.project.ProjectStore store = dev.loupe.project.ProjectStore.open(project, false)) {
            long id = store.findByPath(copy).orElseThrow().id();
            store.unlabel(id);
            assertThat(store.labelOf(id)).isEmpty();
        }
        CliRun run = CliRun.run("review", project.toString(), "--label-copies", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.json().get("labelled").asInt()).isPositive();
        try (dev.loupe.project.ProjectStore s = dev.loupe.project.ProjectStore.open(project, false)) {
            long id = s.findByPath(copy).orElseThrow().id();
            assertThat(s.labelOf(id).flatMap(s::classById).orElseThrow().name()).isEqualTo("class1");
        }
    }

    @Test
    void aKeptGroupIsNoLongerListedNorHidden() throws Exception {
        Path project = plantedProject();
        JsonNode before = CliRun.run("review", project.toString(), "--duplicates", "--json").json();
        assertThat(before.get("pixel_check").asBoolean()).isTrue();
        List<String> first = before.get("groups").get(0).get("images").findValuesAsText("path");
        List<String> args = new java.util.ArrayList<>(List.of("review", project.toString(), "--keep-group"));
        args.addAll(first);
        args.add("--json");
        CliRun keep = CliRun.run(args.toArray(String[]::new));
        assertThat(keep.exitCode()).as(keep.err()).isZero();
        JsonNode after = CliRun.run("review", project.toString(), "--duplicates", "--json").json();
        assertThat(after.get("groups").size()).isEqualTo(before.get("groups").size() - 1);
        after.get("groups").forEach(g -> assertThat(g.get("images").findValuesAsText("path")).isNotEqualTo(first));
        CliRun hide = CliRun.run("review", project.toString(), "--hide-copies", "--json");
        assertThat(hide.exitCode()).as(hide.err()).isZero();
        JsonNode list = CliRun.run("review", project.toString(), "--excluded", "--json").json();
        for (JsonNode e : list) assertThat(first).as("the kept group's images stay").doesNotContain(e.asText());
    }

    @Test
    void anUnknownImageIsAClearUserError() throws Exception {
        Path project = tmp.resolve("p.loupe");
        CliRun.run("import", project.toString(), TestImages.imageFolder(tmp.resolve("d"), 1, 3).toString());
        CliRun run = CliRun.run("review", project.toString(), "--exclude", "nope.png");
        assertThat(run.exitCode()).isEqualTo(LoupeCli.EXIT_USER_ERROR);
        assertThat(run.err()).contains("No image 'nope.png'");
    }

    private static List<String> queuePaths(Path project) {
        return CliRun.run("queue", project.toString(), "--limit", "1000", "--json").json().findValuesAsText("path");
    }
}
