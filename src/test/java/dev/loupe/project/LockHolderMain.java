package dev.loupe.project;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Run in a child JVM by {@link ProjectLockTest}: opens a project, optionally labels one image, says
 * so on stdout, then holds the project open until stdin closes (or it is killed).
 */
public final class LockHolderMain {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        boolean label = args.length > 1 && args[1].equals("label");
        ProjectStore store = ProjectStore.open(dir, true);
        if (label) {
            long img = store.addImages(List.of(TestImages.image(dir.resolveSibling("photos"), "k.png"))).get(0);
            LabelClass k = store.addClass("killed", null, null);
            JournalEntry e = store.label(img, k.id(), true, 1L).orElseThrow();
            System.out.println("LABELLED " + e.seq());
        } else {
            System.out.println("OPEN");
        }
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (in.readLine() != null) {
            // hold the project until the parent closes our stdin
        }
        store.close();
        System.out.println("CLOSED");
    }

    private LockHolderMain() {
    }
}
