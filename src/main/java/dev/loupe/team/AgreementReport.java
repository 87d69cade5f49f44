package dev.loupe.team;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Agreement between the annotators of one project, over the images that two or more of them labelled: Krippendorff's
 * alpha over all of those, Fleiss' kappa over the images every annotator labelled, and for each pair of annotators
 * Cohen's kappa with their confusion table. Each coefficient overall and per class (that class against the rest).
 *
 * @param annotators the annotators, in name order, and how many images each labelled
 * @param classIds   the classes that occur in the compared labels, in id order (the rows and columns of the tables)
 * @param items      images labelled by two or more annotators
 * @param alpha      Krippendorff's alpha (nominal) over those images; NaN when undefined
 * @param alphaPerClass per class, same order as classIds
 * @param fleissItems images labelled by every annotator (Fleiss' kappa needs the same number of ratings per image)
 * @param fleiss     Fleiss' kappa over those; null when there are none
 * @param pairs      one entry per pair of annotators that share at least one image
 */
public record AgreementReport(Map<String, Integer> annotators, List<Long> classIds, int items, double alpha,
                              double[] alphaPerClass, int fleissItems, Agreement.Fleiss fleiss, List<Pair> pairs) {

    /**
     * Two annotators on the images both labelled.
     *
     * @param confusion {@code confusion[i][j]}: images {@code first} put in class i and {@code second} in class j
     * @param observed  the share of those images they gave the same class
     */
    public record Pair(String first, String second, int items, double observed, double kappa, double[] kappaPerClass,
                       long[][] confusion) {
    }

    /** The report for annotator → (image id → class id); needs two or more annotators. */
    public static AgreementReport of(Map<String, Map<Long, Long>> byAnnotator) {
        List<String> names = new ArrayList<>(new TreeSet<>(byAnnotator.keySet()));
        if (names.size() < 2) {
            throw new IllegalArgumentException("agreement needs two or more annotators, got " + names);
        }
        Map<Long, List<Long>> ratings = new java.util.TreeMap<>(); // image -> classes given, one per annotator
        Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        for (String a : names) {
            counts.put(a, byAnnotator.get(a).size());
            byAnnotator.get(a).forEach((image, cls) -> ratings.computeIfAbsent(image, k -> new ArrayList<>()).add(cls));
        }
        ratings.values().removeIf(r -> r.size() < 2);
        TreeSet<Long> classSet = new TreeSet<>();
        ratings.values().forEach(classSet::addAll);
        List<Long> classIds = List.copyOf(classSet);
        Map<Long, Integer> index = new HashMap<>();
        for (int i = 0; i < classIds.size(); i++) {
            index.put(classIds.get(i), i);
        }
        int k = classIds.size();

        List<int[]> units = new ArrayList<>();
        List<long[]> complete = new ArrayList<>();
        for (List<Long> r : ratings.values()) {
            units.add(r.stream().mapToInt(index::get).toArray());
            if (r.size() == names.size()) {
                long[] row = new long[k];
                r.forEach(c -> row[index.get(c)]++);
                complete.add(row);
            }
        }
        double alpha = Agreement.krippendorffAlpha(units, k);
        double[] alphaPerClass = new double[k];
        for (int c = 0; c < k; c++) {
            alphaPerClass[c] = Agreement.krippendorffAlpha(units, k, c);
        }
        Agreement.Fleiss fleiss = complete.isEmpty() ? null : Agreement.fleissKappa(complete.toArray(long[][]::new));

        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            for (int j = i + 1; j < names.size(); j++) {
                Map<Long, Long> a = byAnnotator.get(names.get(i));
                Map<Long, Long> b = byAnnotator.get(names.get(j));
                long[][] table = new long[k][k];
                int shared = 0;
                int same = 0;
                for (Map.Entry<Long, Long> e : a.entrySet()) {
                    Long other = b.get(e.getKey());
                    if (other != null) {
                        table[index.get(e.getValue())][index.get(other)]++;
                        shared++;
                        same += e.getValue().equals(other) ? 1 : 0;
                    }
                }
                if (shared == 0) {
                    continue;
                }
                double[] perClass = new double[k];
                for (int c = 0; c < k; c++) {
                    perClass[c] = Agreement.cohenKappa(table, c);
                }
                pairs.add(new Pair(names.get(i), names.get(j), shared, (double) same / shared,
                        Agreement.cohenKappa(table), perClass, table));
            }
        }
        return new AgreementReport(counts, classIds, ratings.size(), alpha, alphaPerClass, complete.size(), fleiss,
                List.copyOf(pairs));
    }
}
