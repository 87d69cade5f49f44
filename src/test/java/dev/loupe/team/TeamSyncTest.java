package dev.loupe.team;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.project.ProjectStore;
import dev.loupe.project.TeamEvent;
import dev.loupe.testing.CliRun;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sync against a real PostgreSQL (skipped without one, see {@link TeamPg}): docs/adr/0034-team-server.md. */
class TeamSyncTest {

    @TempDir
    Path tmp;

    String url;
    String name;
    Path a;
    Path b;

    @BeforeEach
    void twoInstancesOfOneProject() {
        url = TeamPg.url();
        name = TeamPg.projectName("sync");
        a = tmp.resolve("a.loupe");
        b = tmp.resolve("b.loupe");
        for (Path p : List.of(a, b)) {
            try (ProjectStore s = ProjectStore.open(p, true)) {
                TeamPg.addImages(s, tmp.resolve("images-" + p.getFileName()), 6);
                s.addClass("cat", null, null);
                s.addClass("dog", null, null);
            }
        }
        CliRun share = CliRun.run("share", a.toString(), "--server", url, "--name", name);
        assertThat(share.exitCode()).as(share.err()).isZero();
        try (ProjectStore s = ProjectStore.open(b, false)) {
            TeamSync.link(s, ServerUrl.parse(url), name);
        }
    }

    private void label(Path project, String who, int image, String cls) {
        try (ProjectStore s = ProjectStore.open(project, false)) {
            s.setAnnotator(who);
            s.label(s.findByRelPath("img" + image + ".png").orElseThrow().id(), s.classByName(cls).orElseThrow().id(),
                    null, null);
        }
    }

    private JsonNode sync(Path project) {
        CliRun r = CliRun.run("sync", project.toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        return r.json();
    }

    @Test
    void twoInstancesSeeEachOthersLabelsOnceAndAgreeOnTheAgreement() {
        label(a, "ann", 0, "cat");
        label(a, "ann", 1, "cat");
        label(a, "ann", 2, "dog");
        label(b, "bob", 0, "cat");
        label(b, "bob", 1, "dog");
        label(b, "bob", 2, "dog");
        assertThat(sync(a).get("uploaded").asInt()).isEqualTo(3);
        JsonNode sb = sync(b);
        assertThat(sb.get("uploaded").asInt()).isEqualTo(2 + 3); // two CLASS_ADDs of its own, three labels
        assertThat(sb.get("pulled").asInt()).isEqualTo(3);
        JsonNode sa = sync(a);
        assertThat(sa.get("uploaded").asInt()).isZero();
        assertThat(sa.get("pulled").asInt()).isEqualTo(3);
        // repeating changes nothing
        JsonNode again = sync(a);
        assertThat(again.get("uploaded").asInt()).isZero();
        assertThat(again.get("pulled").asInt()).isZero();
        for (Path p : List.of(a, b)) {
            try (ProjectStore s = ProjectStore.open(p, false)) {
                Map<Long, String> ids = s.journalEventIds();
                assertThat(new HashSet<>(ids.values())).hasSize(ids.size());
                AnnotatorLabels votes = AnnotatorLabels.replay(s.journal(), s.journalAnnotators());
                assertThat(votes.byAnnotator().keySet()).containsExactly("ann", "bob");
                assertThat(votes.byAnnotator().get("ann")).hasSize(3);
                assertThat(votes.byAnnotator().get("bob")).hasSize(3);
            }
        }
        JsonNode agreeA = CliRun.run("agreement", a.toString(), "--json").json();
        JsonNode agreeB = CliRun.run("agreement", b.toString(), "--json").json();
        assertThat(agreeA.get("images_compared").asInt()).isEqualTo(3);
        assertThat(agreeA.get("krippendorff_alpha")).isEqualTo(agreeB.get("krippendorff_alpha"));
        assertThat(agreeA.get("pairs").get(0).get("observed_agreement").asDouble()).isEqualTo(2.0 / 3);
    }

    @Test
    void overlapImagesWaitForEachAnnotatorsOwnLabelUntilKAnnotatorsHaveLabelledThem() {
        String n = TeamPg.projectName("overlap");
        Path x = tmp.resolve("x.loupe");
        Path y = tmp.resolve("y.loupe");
        Path z = tmp.resolve("z.loupe");
        for (Path p : List.of(x, y, z)) {
            try (ProjectStore s = ProjectStore.open(p, true)) {
                TeamPg.addImages(s, tmp.resolve("images-" + p.getFileName()), 6);
                s.addClass("cat", null, null);
                s.addClass("dog", null, null);
            }
        }
        // every image in the overlap, three annotators each
        CliRun share = CliRun.run("share", x.toString(), "--server", url, "--name", n, "--overlap", "1", "--overlap-k", "3");
        assertThat(share.exitCode()).as(share.err()).isZero();
        assertThat(share.out()).contains("100% of the images will be labelled by 3 annotators each");
        for (Path p : List.of(y, z)) {
            try (ProjectStore s = ProjectStore.open(p, false)) {
                TeamSync.link(s, ServerUrl.parse(url), n);
            }
        }
        label(x, "ann", 0, "cat");
        label(x, "ann", 1, "dog");
        sync(x);
        // bob gets neither yet: both images stay unlabelled in his project (and his queue) until he labels them
        JsonNode sy = sync(y);
        assertThat(sy.get("pulled").asInt()).isZero();
        assertThat(sy.get("held_for_overlap").asInt()).isEqualTo(2);
        long img0;
        try (ProjectStore s = ProjectStore.open(y, false)) {
            img0 = s.findByRelPath("img0.png").orElseThrow().id();
            assertThat(s.currentLabels()).isEmpty();
        }
        label(y, "bob", 0, "dog"); // he disagrees on img0
        JsonNode sy2 = sync(y);
        assertThat(sy2.get("pulled").asInt()).as("ann's img0 goes in once bob labelled it here").isEqualTo(1);
        assertThat(sy2.get("held_for_overlap").asInt()).as("img1 still waits for him").isEqualTo(1);
        // cy: img0 has 2 of its 3 annotators, so both labels wait for his own
        JsonNode sz = sync(z);
        assertThat(sz.get("pulled").asInt()).isZero();
        assertThat(sz.get("held_for_overlap").asInt()).isEqualTo(3);
        label(z, "cy", 0, "cat");
        JsonNode sz2 = sync(z);
        assertThat(sz2.get("pulled").asInt()).isEqualTo(2);
        assertThat(sz2.get("held_for_overlap").asInt()).isEqualTo(1);
        try (ProjectStore s = ProjectStore.open(z, false)) {
            assertThat(s.currentLabels()).containsOnlyKeys(img0); // the ids agree: same images added in the same order
            Consensus.Decision d = Consensus.of(s).get(img0);
            assertThat(d.votes()).containsOnlyKeys("ann", "bob", "cy");
            assertThat(d.status()).as("ann cat, bob dog, cy cat").isEqualTo(Consensus.Status.MAJORITY);
        }
        // x (ann) has labelled img0 herself; once 3 annotators have, nothing is held back from anyone
        JsonNode sx = sync(x);
        assertThat(sx.get("pulled").asInt()).isEqualTo(2);
        assertThat(sx.get("held_for_overlap").asInt()).isZero();
        JsonNode agree = CliRun.run("agreement", x.toString(), "--json").json();
        assertThat(agree.get("images_compared").asInt()).isEqualTo(1);
        assertThat(agree.get("annotators").size()).isEqualTo(3);
    }

    @Test
    void theOverlapIsChosenByContentTheSameEverywhereAndInTheShareAsked() {
        ProjectStore.Overlap tenth = new ProjectStore.Overlap(0.1, 2);
        java.util.Random r = new java.util.Random(3);
        int in = 0;
        for (int i = 0; i < 4000; i++) {
            String sha = String.format("%016x%016x%016x%016x", r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong());
            if (tenth.covers(sha)) in++;
            assertThat(new ProjectStore.Overlap(0.1, 3).covers(sha)).isEqualTo(tenth.covers(sha));
        }
        assertThat(in).isBetween(340, 460);
        assertThat(ProjectStore.Overlap.NONE.covers("ffffffff")).isFalse();
        assertThat(CliRun.run("share", b.toString(), "--server", url, "--overlap", "1.5").err()).contains("--overlap must be a share from 0 to 1");
    }

    @Test
    void anUploadWhoseAcknowledgementWasLostIsNotDoubled() throws Exception {
        label(a, "ann", 0, "cat");
        label(a, "ann", 1, "dog");
        List<TeamEvent> pending;
        try (ProjectStore s = ProjectStore.open(a, false)) {
            pending = s.localEvents(Long.parseLong(s.setting(TeamSync.UPLOADED_SETTING).orElse("0")), 100);
        }
        assertThat(pending).hasSize(2);
        // the server commits, the client "crashes" before it marks the batch acknowledged
        try (TeamServer server = TeamServer.connect(ServerUrl.parse(url))) {
            assertThat(server.upload(name, pending)).isEqualTo(2);
        }
        JsonNode r = sync(a);
        assertThat(r.get("uploaded").asInt()).isZero();
        assertThat(r.get("uploaded_already_there").asInt()).isEqualTo(2);
        try (TeamServer server = TeamServer.connect(ServerUrl.parse(url))) {
            List<TeamEvent> all = server.events(name);
            assertThat(all.stream().map(TeamEvent::eventId).distinct().count()).isEqualTo(all.size());
            assertThat(all.stream().filter(e -> e.kind().isLabelEvent()).count()).isEqualTo(2);
        }
    }

    @Test
    void anUnreachableServerFailsClearlyAndLosesNothing() {
        label(a, "ann", 0, "cat");
        try (ProjectStore s = ProjectStore.open(a, false)) {
            s.setSetting(TeamSync.SERVER_SETTING, "postgresql://nobody@127.0.0.1:1/none");
            assertThat(TeamSync.pendingUploads(s)).isEqualTo(1);
        }
        CliRun r = CliRun.run("sync", a.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("cannot be reached").contains("Nothing is lost");
        try (ProjectStore s = ProjectStore.open(a, false)) {
            assertThat(TeamSync.pendingUploads(s)).isEqualTo(1);
            s.setSetting(TeamSync.SERVER_SETTING, url);
        }
        assertThat(sync(a).get("uploaded").asInt()).isEqualTo(1);
    }

    @Test
    void aConflictGoesToAdjudicationAndTheReviewersDecisionReachesEveryone() {
        label(a, "ann", 4, "cat");
        label(b, "bob", 4, "dog");
        label(a, "ann", 5, "cat");
        label(b, "bob", 5, "cat");
        sync(a);
        sync(b);
        sync(a);
        JsonNode q = CliRun.run("adjudicate", a.toString(), "--json").json();
        assertThat(q.get("conflicts")).hasSize(1);
        assertThat(q.get("conflicts").get(0).get("image").asText()).isEqualTo("img4.png");
        assertThat(q.get("conflicts").get(0).get("votes").get("bob").asText()).isEqualTo("dog");
        CliRun resolve = CliRun.run("adjudicate", a.toString(), "--resolve", "img4.png", "dog", "--reviewer", "rev");
        assertThat(resolve.exitCode()).as(resolve.err()).isZero();
        sync(a);
        sync(b);
        try (ProjectStore s = ProjectStore.open(b, false)) {
            long img4 = s.findByRelPath("img4.png").orElseThrow().id();
            long img5 = s.findByRelPath("img5.png").orElseThrow().id();
            Map<Long, Consensus.Decision> d = Consensus.of(s);
            assertThat(d.get(img4).status()).isEqualTo(Consensus.Status.ADJUDICATED);
            assertThat(d.get(img4).classId()).isEqualTo(s.classByName("dog").orElseThrow().id());
            assertThat(d.get(img5).status()).isEqualTo(Consensus.Status.MAJORITY);
            assertThat(Consensus.trainingLabels(s)).containsEntry(img4, s.classByName("dog").orElseThrow().id());
            // the reviewer is not an annotator
            assertThat(AnnotatorLabels.replay(s.journal(), s.journalAnnotators(), s.adjudicationEvents())
                    .byAnnotator().keySet()).containsExactly("ann", "bob");
        }
        assertThat(CliRun.run("adjudicate", b.toString(), "--json").json().get("conflicts")).isEmpty();
    }

    @Test
    void aLabelForAnImageNotImportedHereWaitsAndIsAppliedOnceItIs() {
        try (ProjectStore s = ProjectStore.open(a, false)) {
            TeamPg.addImages(s, tmp.resolve("images-a.loupe"), 8); // two more than b has
        }
        label(a, "ann", 7, "dog");
        sync(a);
        JsonNode r = sync(b);
        assertThat(r.get("pulled").asInt()).isZero();
        assertThat(r.get("waiting_for_images").asInt()).isEqualTo(1);
        try (ProjectStore s = ProjectStore.open(b, false)) {
            TeamPg.addImages(s, tmp.resolve("images-b.loupe"), 8);
        }
        JsonNode later = sync(b);
        assertThat(later.get("pulled").asInt()).isEqualTo(1);
        assertThat(later.get("waiting_for_images").asInt()).isZero();
        try (ProjectStore s = ProjectStore.open(b, false)) {
            assertThat(s.labelOf(s.findByRelPath("img7.png").orElseThrow().id())).contains(
                    s.classByName("dog").orElseThrow().id());
        }
    }

    @Test
    void newWithAServerAndJoinMakeTwoWorkingCopiesOfOneProject() throws Exception {
        Path images = dev.loupe.testing.TestImages.imageFolder(tmp.resolve("shared"), 2, 3);
        String project = TeamPg.projectName("join");
        Path ann = tmp.resolve("ann.loupe");
        CliRun created = CliRun.run("new", ann.toString(), "--backbone", "model-zero", "--server", url, "--name", project);
        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(CliRun.run("import", ann.toString(), images.toString(), "--labels-from-subfolders", "--no-embed")
                .exitCode()).isZero();
        sync(ann);
        Path bob = tmp.resolve("bob.loupe");
        CliRun joined = CliRun.run("join", url, bob.toString(), "--name", project, "--images", images.toString(),
                "--no-embed");
        assertThat(joined.exitCode()).as(joined.err()).isZero();
        assertThat(joined.out()).contains("6 labels taken in");
        try (ProjectStore s = ProjectStore.open(bob, false)) {
            assertThat(s.currentLabels()).hasSize(6);
            assertThat(s.setting(TeamSync.SERVER_SETTING)).contains(url);
            assertThat(s.setting("backbone")).contains("model-zero");
        }
        CliRun again = CliRun.run("join", url, tmp.resolve("c.loupe").toString(), "--name", "no-such-project",
                "--images", images.toString());
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("no project 'no-such-project'").contains("--name");
        assertThat(tmp.resolve("c.loupe")).doesNotExist();
    }
}
