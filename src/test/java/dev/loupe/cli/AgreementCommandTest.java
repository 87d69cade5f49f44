package dev.loupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.team.Agreement;
import dev.loupe.testing.CliRun;
import dev.loupe.testing.TestImages;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code loupe agreement} over labels given through {@code loupe label --annotator}, checked by recomputation. */
class AgreementCommandTest {

    @TempDir
    Path tmp;
    private String project;

    @BeforeEach
    void setUp() throws Exception {
        Path data = TestImages.imageFolder(tmp.resolve("data"), 3, 9);
        project = tmp.resolve("p.loupe").toString();
        assertThat(CliRun.run("import", project, data.toString()).exitCode()).isZero();
        for (int c = 0; c < 3; c++) {
            assertThat(CliRun.run("classes", project, "add", "class" + c).exitCode()).isZero();
        }
    }

    private void label(String annotator, Map<String, Integer> labels) throws Exception {
        List<String> lines = new ArrayList<>();
        labels.forEach((image, cls) -> lines.add(image + ",class" + cls));
        Path csv = Files.write(tmp.resolve(annotator + ".csv"), lines);
        CliRun r = CliRun.run("label", project, "--annotator", annotator, "--from-csv", csv.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
    }

    @Test
    void oneAnnotatorIsToldAgreementNeedsMore() throws Exception {
        label("alice", Map.of("class0/img0.png", 0, "class1/img0.png", 1));
        CliRun r = CliRun.run("agreement", project);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("Only one annotator (alice)").contains("two or more");
        JsonNode j = CliRun.run("agreement", project, "--json").json();
        assertThat(j.get("annotators").get("alice").asInt()).isEqualTo(2);
        assertThat(j.has("krippendorff_alpha")).isFalse();
    }

    @Test
    void threeAnnotatorsAgreementMatchesARecomputation() throws Exception {
        // alice and bob label the same 12 images; bob agrees on 9 (same class: written as confirmations) and
        // changes his mind once (only his latest label counts); carol labels 6 of them (missing data for alpha)
        Map<String, Integer> alice = new LinkedHashMap<>();
        Map<String, Integer> bob = new LinkedHashMap<>();
        Map<String, Integer> carol = new LinkedHashMap<>();
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 4; i++) {
                String image = "class" + c + "/img" + i + ".png";
                alice.put(image, c);
                bob.put(image, i == 3 ? (c + 1) % 3 : c);
                if (i < 2) {
                    carol.put(image, i == 1 && c == 2 ? 0 : c);
                }
            }
        }
        label("alice", alice);
        label("bob", Map.of("class0/img0.png", 2)); // his first thought, replaced below
        label("bob", bob);
        label("carol", carol);

        JsonNode j = CliRun.run("agreement", project, "--json").json();
        assertThat(j.get("annotators").get("alice").asInt()).isEqualTo(12);
        assertThat(j.get("annotators").get("bob").asInt()).isEqualTo(12);
        assertThat(j.get("annotators").get("carol").asInt()).isEqualTo(6);
        assertThat(j.get("images_compared").asInt()).isEqualTo(12);

        // recomputation from the labels above, not from the journal
        List<int[]> units = new ArrayList<>();
        List<long[]> all = new ArrayList<>();
        long[][] aliceBob = new long[3][3];
        for (String image : alice.keySet()) {
            int a = alice.get(image);
            int b = bob.get(image);
            aliceBob[a][b]++;
            if (carol.containsKey(image)) {
                units.add(new int[] {a, b, carol.get(image)});
                long[] row = new long[3];
                row[a]++;
                row[b]++;
                row[carol.get(image)]++;
                all.add(row);
            } else {
                units.add(new int[] {a, b});
            }
        }
        assertThat(j.get("krippendorff_alpha").asDouble())
                .isCloseTo(Agreement.krippendorffAlpha(units, 3), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(j.get("krippendorff_alpha_per_class").get("class1").asDouble())
                .isCloseTo(Agreement.krippendorffAlpha(units, 3, 1), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(j.get("fleiss").get("images").asInt()).isEqualTo(6);
        assertThat(j.get("fleiss").get("kappa").asDouble()).isCloseTo(
                Agreement.fleissKappa(all.toArray(long[][]::new)).kappa(), org.assertj.core.data.Offset.offset(1e-12));

        JsonNode pair = j.get("pairs").get(0);
        assertThat(pair.get("annotators").get(0).asText()).isEqualTo("alice");
        assertThat(pair.get("annotators").get(1).asText()).isEqualTo("bob");
        assertThat(pair.get("images").asInt()).isEqualTo(12);
        // 9 of 12 the same; each annotator used every class 4 times, so chance agreement is 1/3 and
        // Cohen's kappa = (0.75 - 1/3) / (1 - 1/3) = 0.625
        assertThat(pair.get("observed_agreement").asDouble()).isCloseTo(0.75, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(pair.get("cohen_kappa").asDouble()).isCloseTo(0.625, org.assertj.core.data.Offset.offset(1e-12));
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++) {
                assertThat(pair.get("confusion").get(a).get(b).asLong()).as("alice %d bob %d", a, b)
                        .isEqualTo(aliceBob[a][b]);
            }
        }
        assertThat(j.get("pairs")).hasSize(3);

        // the project's own label is the latest one given (carol's, then bob's): nothing of that changed
        JsonNode status = CliRun.run("status", project, "--json").json();
        assertThat(status.get("labelled").asInt()).isEqualTo(12);

        CliRun text = CliRun.run("agreement", project);
        assertThat(text.out()).contains("Krippendorff's alpha").contains("alice vs bob: 12 images, 75.0% the same")
                .contains("Cohen's kappa 0.625");
    }

    @Test
    void aBadAnnotatorNameIsRefusedBeforeAnythingIsWritten() {
        CliRun r = CliRun.run("label", project, "--annotator", " ", "class0/img0.png", "class0");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("annotator name");
        assertThat(CliRun.run("status", project, "--json").json().get("labelled").asInt()).isZero();
    }
}
