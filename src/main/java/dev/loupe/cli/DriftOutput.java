package dev.loupe.cli;

import dev.loupe.datacheck.DriftReport;
import dev.loupe.project.ImageRecord;
import dev.loupe.project.ProjectStore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How the CLI shows a drift check: the "drift" object of {@code import --json} and the plain sentence. */
final class DriftOutput {

    private DriftOutput() {
    }

    /** The JSON object; {@code report} null means not checked, for {@code why}. */
    static Map<String, Object> json(ProjectStore store, DriftReport r, String why) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("checked", r != null);
        if (r == null) {
            m.put("reason", why);
            return m;
        }
        m.put("drifted", r.drifted());
        m.put("new_images", r.newImages());
        m.put("project_images", r.projectImages());
        m.put("tested_new", r.test().candidateCount());
        m.put("tested_project", r.test().referenceCount());
        m.put("mmd2", r.test().mmd2());
        m.put("threshold", r.test().threshold());
        m.put("p_value", r.test().pValue());
        m.put("alpha", r.test().alpha());
        m.put("far_share", r.farShare());
        m.put("far_expected", r.farExpected());
        m.put("low_confidence_cut", Json.number(r.lowConfidenceCut()));
        m.put("low_confidence_new", Json.number(r.lowConfidenceNew()));
        m.put("low_confidence_project", Json.number(r.lowConfidenceProject()));
        m.put("accuracy_likely_lower", r.lowerConfidence());
        m.put("typical", paths(store, r.typical()));
        m.put("message", r.drifted() ? sentence(store, r) : null);
        return m;
    }

    /** "These 240 images look unlike the rest of the project: typical examples …; the model's accuracy on them is likely lower." */
    static String sentence(ProjectStore store, DriftReport r) {
        return r.sentence(paths(store, r.typical())) + " `loupe queue PROJECT --new-first` shows them first.";
    }

    private static List<String> paths(ProjectStore store, List<Long> ids) {
        List<String> out = new ArrayList<>();
        for (long id : ids) out.add(store.image(id).map(ImageRecord::relPath).orElse("#" + id));
        return out;
    }
}
