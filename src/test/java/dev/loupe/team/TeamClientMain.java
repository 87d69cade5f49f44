package dev.loupe.team;

import dev.loupe.cli.LoupeCli;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ProjectStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * A team client in its own JVM for {@link TeamReliabilityTest}: labels through the project store and syncs through
 * the CLI ({@code loupe sync}), printing each step, until it is killed. Args: PROJECT ANNOTATOR SEED IMAGES.
 */
public final class TeamClientMain {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String who = args[1];
        Random rnd = new Random(Long.parseLong(args[2]));
        int images = Integer.parseInt(args[3]);
        for (int i = 0; ; i++) {
            try (ProjectStore s = ProjectStore.open(dir, false)) {
                s.setAnnotator(who);
                List<LabelClass> classes = s.classes();
                long img = s.findByRelPath("img" + rnd.nextInt(images) + ".png").orElseThrow().id();
                s.label(img, classes.get(rnd.nextInt(classes.size())).id(), null, null);
            }
            System.out.println("labelled " + i);
            if (i % 3 == 2) {
                System.out.println("synced " + LoupeCli.execute("sync", dir.toString()));
            }
            System.out.flush();
        }
    }

    private TeamClientMain() {
    }
}
