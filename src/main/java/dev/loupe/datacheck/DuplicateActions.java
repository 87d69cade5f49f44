package dev.loupe.datacheck;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the near-duplicate actions do to a group, shared by {@code loupe review --hide-copies / --label-copies} and the
 * app's duplicates view: which image of a group stays when the copies are hidden, which class a group agrees on, and
 * which images a group label changes. Pure functions of the groups and the current labels (image id → class id).
 */
public final class DuplicateActions {

    private DuplicateActions() {
    }

    /** The image a group keeps when its copies are hidden: its first labelled image, else its first imported. */
    public static long keeper(NearDuplicates.Group g, Map<Long, Long> labels) {
        return g.ids().stream().filter(labels::containsKey).findFirst().orElse(g.ids().get(0));
    }

    /** Every image of the groups but each group's {@link #keeper}. */
    public static List<Long> copies(List<NearDuplicates.Group> groups, Map<Long, Long> labels) {
        List<Long> out = new ArrayList<>();
        for (NearDuplicates.Group g : groups) {
            long keep = keeper(g, labels);
            for (long id : g.ids()) if (id != keep) out.add(id);
        }
        return out;
    }

    /** The class every labelled image of the group has; empty when none is labelled or two classes disagree. */
    public static Optional<Long> agreedClass(NearDuplicates.Group g, Map<Long, Long> labels) {
        Set<Long> classes = new HashSet<>();
        for (long id : g.ids()) if (labels.containsKey(id)) classes.add(labels.get(id));
        return classes.size() == 1 ? Optional.of(classes.iterator().next()) : Optional.empty();
    }

    /** The images of the group that labelling it as {@code classId} changes (those without that label), in order. */
    public static List<Long> toLabel(NearDuplicates.Group g, Map<Long, Long> labels, long classId) {
        return g.ids().stream().filter(id -> !Long.valueOf(classId).equals(labels.get(id))).toList();
    }

    /**
     * The groups the user has not kept whole: a group leaves the list when all its images are in one group kept
     * before ({@code ProjectStore.keptGroups}); one that gained an image since comes back, as that image is news.
     */
    public static List<NearDuplicates.Group> withoutKept(List<NearDuplicates.Group> groups, List<? extends Set<Long>> kept) {
        return groups.stream().filter(g -> kept.stream().noneMatch(k -> k.containsAll(g.ids()))).toList();
    }

    /** One label to give: an image and its class. */
    public record Label(long imageId, long classId) {
    }

    /** {@code --label-copies}: each group's unlabelled images get the class its labelled images agree on. */
    public record Plan(List<Label> labels, int groupsWithOneLabel) {
        public Plan {
            labels = List.copyOf(labels);
        }
    }

    public static Plan labelCopies(List<NearDuplicates.Group> groups, Map<Long, Long> labels) {
        List<Label> todo = new ArrayList<>();
        int agreed = 0;
        for (NearDuplicates.Group g : groups) {
            Optional<Long> cls = agreedClass(g, labels);
            if (cls.isEmpty()) continue;
            agreed++;
            for (long id : toLabel(g, labels, cls.get())) todo.add(new Label(id, cls.get()));
        }
        return new Plan(todo, agreed);
    }
}
