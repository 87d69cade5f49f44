package dev.loupe.evaluation.ui;

import dev.loupe.evaluation.Evaluation;
import dev.loupe.project.LabelClass;
import dev.loupe.project.ModelVersion;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The evaluation tab ({@code #evaluation}): the prequential learning curve, the confusion matrix of the labelled
 * images as a heat map, per-class counts and the model versions. Draws what {@link EvaluationModel} computed.
 */
public final class EvaluationPanel extends ScrollPane {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("MMM d HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());
    private static final Color RIGHT = Color.web("#2f6fdb");
    private static final Color WRONG = Color.web("#d9534f");

    private final Label estimate = new Label();
    private final Label projection = new Label();
    private final Label stopping = new Label();
    private final XYChart.Series<Number, Number> estimated = new XYChart.Series<>();
    private final Label summary = new Label();
    private final LineChart<Number, Number> curve;
    private final XYChart.Series<Number, Number> moving = new XYChart.Series<>();
    private final XYChart.Series<Number, Number> cumulative = new XYChart.Series<>();
    private final GridPane matrix = new GridPane();
    private final TableView<Evaluation.ClassCounts> counts = new TableView<>();
    private final TableView<ModelVersion> versions = new TableView<>();
    private final Label agreementSummary = new Label();
    private final GridPane agreementTable = new GridPane();
    private final VBox agreementPairs = new VBox(6);

    public EvaluationPanel(EvaluationModel model) {
        setId("evaluation");
        setFitToWidth(true);
        summary.setId("evalSummary");
        summary.setWrapText(true);
        estimate.setId("estimateSummary");
        estimate.setWrapText(true);
        estimate.getStyleClass().add("estimate");
        projection.setId("estimateProjection");
        projection.setWrapText(true);
        stopping.setId("stoppingHint");
        stopping.setWrapText(true);

        NumberAxis x = new NumberAxis();
        x.setLabel("labels given");
        x.setForceZeroInRange(false);
        NumberAxis y = new NumberAxis(0, 100, 20);
        y.setLabel("% right");
        curve = new LineChart<>(x, y);
        curve.setId("learningCurve");
        curve.setAnimated(false);
        curve.setCreateSymbols(false);
        curve.setPrefHeight(240);
        curve.setMinHeight(200);
        moving.setName("last " + Evaluation.WINDOW + " labels");
        cumulative.setName("all labels so far");
        estimated.setName("estimated on unlabelled images (current model at each label count)");
        curve.getData().add(moving);
        curve.getData().add(cumulative);
        curve.getData().add(estimated);

        matrix.setId("confusionMatrix");
        matrix.setHgap(2);
        matrix.setVgap(2);

        counts.setId("classCounts");
        counts.getColumns().add(column("Class", c -> c.labelClass().name(), 110));
        counts.getColumns().add(column("Labels", c -> String.valueOf(c.labelled()), 60));
        counts.getColumns().add(column("Right now", c -> c.labelled() == 0 ? "–"
                : String.format("%d (%.0f%%)", c.right(), 100 * c.recall()), 90));
        counts.getColumns().add(column("Guessed", c -> String.valueOf(c.predicted()), 70));
        counts.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        counts.setPrefHeight(170);

        versions.setId("modelVersions");
        versions.getColumns().add(column("Version", v -> "v" + v.id(), 60));
        versions.getColumns().add(column("Saved", v -> TIME.format(Instant.ofEpochMilli(v.createdMs())), 120));
        versions.getColumns().add(column("Labels", v -> String.valueOf(v.labelCount()), 60));
        versions.getColumns().add(column("Note", v -> v.note() == null ? "label step" : v.note(), 140));
        versions.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        versions.setPlaceholder(new Label("No model saved yet."));
        versions.setPrefHeight(200);

        VBox box = new VBox(8,
                title("How good is the model now"),
                hint("How often the current model is probably right on the images you have not labelled, from its "
                        + "calibrated confidence on each of them, with the range it could be in; and what the learning "
                        + "curve says more labels would buy (docs/adr/0023-accuracy-estimate.md)."),
                estimate, projection, stopping,
                title("Learning curve"),
                hint("Was the model right about each image before you labelled it? (Prequential accuracy: every label "
                        + "is a test the model had not seen.)"),
                summary, curve,
                title("Confusion matrix"),
                hint("Rows: the label you gave. Columns: what the current model predicts for those images now. "
                        + "It has trained on them, so this is kinder than the curve above."),
                matrix,
                title("Per class"),
                hint("Labels given; how many of them the current model gets right; how many unlabelled images it "
                        + "assigns to the class."),
                counts,
                title("Model versions"), versions,
                title("Agreement between annotators"),
                hint("Where two or more people labelled the same images (a team project, or labels given under several "
                        + "names): Krippendorff's alpha over every such image, Fleiss' kappa over the images all of them "
                        + "labelled, Cohen's kappa for each pair with their confusion table; 1 is full agreement, 0 what "
                        + "chance would give (docs/adr/0032-annotator-agreement.md)."),
                agreementSummary, agreementTable, agreementPairs);
        box.setPadding(new Insets(8));
        setContent(box);

        agreementSummary.setId("agreementSummary");
        agreementSummary.setWrapText(true);
        agreementTable.setId("agreementTable");
        agreementTable.setHgap(12);
        agreementTable.setVgap(2);
        model.evaluationProperty().addListener((o, old, now) -> show(now));
        show(model.evaluationProperty().get());
        model.agreementProperty().addListener((o, old, now) -> showAgreement(now));
        showAgreement(model.agreementProperty().get());
    }

    private static Label title(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("section-title");
        return l;
    }

    private static Label hint(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("hint");
        l.setWrapText(true);
        return l;
    }

    private static <T> TableColumn<T, String> column(String name, Function<T, String> value, double width) {
        TableColumn<T, String> c = new TableColumn<>(name);
        c.setCellValueFactory(d -> new ReadOnlyStringWrapper(value.apply(d.getValue())).getReadOnlyProperty());
        c.setPrefWidth(width);
        c.setSortable(false);
        return c;
    }

    private void show(Evaluation e) {
        moving.getData().clear();
        cumulative.getData().clear();
        estimated.getData().clear();
        matrix.getChildren().clear();
        showEstimate(e == null ? null : e.estimate());
        if (e == null) {
            summary.setText("No project open.");
            counts.getItems().clear();
            versions.getItems().clear();
            return;
        }
        List<XYChart.Data<Number, Number>> m = new ArrayList<>();
        List<XYChart.Data<Number, Number>> c = new ArrayList<>();
        for (Evaluation.CurvePoint p : e.curve()) {
            m.add(new XYChart.Data<>(p.label(), 100 * p.moving()));
            c.add(new XYChart.Data<>(p.label(), 100 * p.cumulative()));
        }
        moving.getData().setAll(m);
        cumulative.getData().setAll(c);
        List<XYChart.Data<Number, Number>> est = new ArrayList<>();
        for (Evaluation.EstimatePoint p : e.estimateCurve()) {
            est.add(new XYChart.Data<>(p.labels(), 100 * p.estimate()));
        }
        estimated.getData().setAll(est);
        summary.setText(summaryText(e));
        drawMatrix(e);
        counts.getItems().setAll(e.counts());
        List<ModelVersion> newestFirst = new ArrayList<>(e.versions());
        java.util.Collections.reverse(newestFirst);
        versions.getItems().setAll(newestFirst);
    }

    private void showEstimate(dev.loupe.evaluation.AccuracyEstimate a) {
        if (a == null) {
            estimate.setText("No estimate yet: it needs a model, i.e. a class with a labelled example, and unlabelled images.");
            projection.setText("");
            stopping.setText("");
            return;
        }
        estimate.setText(String.format(Locale.ROOT,
                "On the %,d images not labelled yet, the model is probably right about %.0f%% of the time (%.0f–%.0f%%), "
                        + "after %,d labels.", a.unlabelled(), 100 * a.estimate(), 100 * a.low(), 100 * a.high(), a.labels()));
        StringBuilder p = new StringBuilder("Projected: ");
        boolean any = false;
        for (int i = 0; i < dev.loupe.evaluation.AccuracyEstimate.MORE_LABELS.length; i++) {
            double v = a.projected(i);
            if (i > 0) p.append(" · ");
            p.append("+").append(dev.loupe.evaluation.AccuracyEstimate.MORE_LABELS[i]).append(" labels: ");
            p.append(Double.isFinite(a.gains()[i]) ? String.format(Locale.ROOT, "~%.0f%%", 100 * v) : "–");
            any |= Double.isFinite(a.gains()[i]);
        }
        projection.setText(any ? p.toString() : "");
        stopping.setText(a.hint());
    }

    private static String kappa(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "–";
    }

    private void showAgreement(dev.loupe.team.ProjectAgreement a) {
        agreementTable.getChildren().clear();
        agreementPairs.getChildren().clear();
        if (a == null) {
            agreementSummary.setText("");
            return;
        }
        String who = a.annotators().isEmpty() ? "" : a.annotators().entrySet().stream()
                .map(e -> e.getKey() + " (" + e.getValue() + " images)").collect(java.util.stream.Collectors.joining(", ")) + ". ";
        if (a.report() == null) {
            agreementSummary.setText(who + a.message());
            return;
        }
        dev.loupe.team.AgreementReport r = a.report();
        agreementSummary.setText(String.format(Locale.ROOT, "%s%,d images labelled by two or more: Krippendorff's alpha %s; "
                        + "Fleiss' kappa %s over the %,d images all %d labelled.", who, r.items(), kappa(r.alpha()),
                r.fleiss() == null ? "–" : kappa(r.fleiss().kappa()), r.fleissItems(), a.annotators().size()));
        agreementTable.add(title("Class"), 0, 0);
        agreementTable.add(title("alpha"), 1, 0);
        agreementTable.add(title("Fleiss"), 2, 0);
        for (int i = 0; i < a.classNames().size(); i++) {
            agreementTable.add(new Label(a.classNames().get(i)), 0, i + 1);
            agreementTable.add(new Label(kappa(r.alphaPerClass()[i])), 1, i + 1);
            agreementTable.add(new Label(r.fleiss() == null ? "–" : kappa(r.fleiss().perCategory()[i])), 2, i + 1);
        }
        for (dev.loupe.team.AgreementReport.Pair p : r.pairs()) {
            Label line = new Label(String.format(Locale.ROOT, "%s and %s: %,d images, %.0f%% the same, Cohen's kappa %s",
                    p.first(), p.second(), p.items(), 100 * p.observed(), kappa(p.kappa())));
            line.setWrapText(true);
            GridPane t = new GridPane();
            t.setHgap(8);
            Label corner = new Label(p.first() + " ↓  " + p.second() + " →");
            corner.getStyleClass().add("hint");
            corner.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
            t.add(corner, 0, 0);
            for (int j = 0; j < a.classNames().size(); j++) {
                Label h = new Label(a.classNames().get(j));
                h.getStyleClass().add("cm-header");
                h.setRotate(-45);
                h.setMinWidth(28);
                GridPane.setHalignment(h, javafx.geometry.HPos.CENTER);
                t.add(new javafx.scene.Group(h), j + 1, 0);
            }
            for (int i = 0; i < p.confusion().length; i++) {
                Label rowName = new Label(a.classNames().get(i));
                rowName.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
                t.add(rowName, 0, i + 1);
                for (int j = 0; j < p.confusion()[i].length; j++) {
                    long v = p.confusion()[i][j];
                    Label cell = new Label(v == 0 ? "" : String.valueOf(v));
                    if (v > 0) cell.setTextFill(i == j ? RIGHT : WRONG);
                    GridPane.setHalignment(cell, javafx.geometry.HPos.CENTER);
                    t.add(cell, j + 1, i + 1);
                }
            }
            agreementPairs.getChildren().addAll(line, t);
        }
    }

    /** For tests: the agreement section as shown. */
    public String agreementText() {
        return agreementSummary.getText();
    }

    /** For tests: the estimate and projection as shown. */
    public String estimateText() {
        return estimate.getText() + "\n" + projection.getText() + "\n" + stopping.getText();
    }

    private static String summaryText(Evaluation e) {
        if (e.curve().isEmpty()) {
            return "No prediction checked yet: the model is tested on every image you label once it has two classes.";
        }
        Evaluation.CurvePoint last = e.curve().get(e.curve().size() - 1);
        long right = e.curve().stream().filter(Evaluation.CurvePoint::correct).count();
        return String.format("%d of %d labels predicted right before you gave them: %.0f%% (last %d: %.0f%%).",
                right, e.curve().size(), 100 * last.cumulative(), Math.min(Evaluation.WINDOW, e.curve().size()),
                100 * last.moving());
    }

    private void drawMatrix(Evaluation e) {
        List<LabelClass> classes = e.classes();
        if (classes.isEmpty()) {
            matrix.add(new Label("No classes yet."), 0, 0);
            return;
        }
        boolean unpredicted = false;
        for (long[] row : e.confusion()) {
            unpredicted |= row[classes.size()] > 0;
        }
        int cols = classes.size() + (unpredicted ? 1 : 0);
        Label corner = new Label("label ↓  model →");
        corner.getStyleClass().add("hint");
        matrix.add(corner, 0, 0);
        for (int p = 0; p < cols; p++) {
            Label h = new Label(p < classes.size() ? classes.get(p).name() : "none");
            h.getStyleClass().add("cm-header");
            h.setRotate(-45);
            h.setMinWidth(28);
            GridPane.setHalignment(h, javafx.geometry.HPos.CENTER);
            matrix.add(new javafx.scene.Group(h), p + 1, 0);
        }
        for (int t = 0; t < classes.size(); t++) {
            long[] row = e.confusion()[t];
            long total = 0;
            for (long v : row) {
                total += v;
            }
            Label name = new Label(classes.get(t).name() + " (" + total + ")");
            name.getStyleClass().add("cm-header");
            matrix.add(name, 0, t + 1);
            for (int p = 0; p < cols; p++) {
                long v = row[p];
                double share = total == 0 ? 0 : (double) v / total;
                Label cell = new Label(v == 0 ? "" : String.valueOf(v));
                cell.setId("cm-" + t + "-" + p);
                cell.getStyleClass().add("cm-cell");
                cell.setUserData(v);
                cell.setAlignment(Pos.CENTER);
                cell.setMinSize(34, 26);
                cell.setPrefSize(34, 26);
                Color base = p == t ? RIGHT : WRONG;
                Color fill = Color.WHITE.interpolate(base, v == 0 ? 0 : 0.15 + 0.85 * share);
                cell.setStyle("-fx-background-color: " + web(fill) + ";" + (share > 0.55 ? "-fx-text-fill: white;" : ""));
                cell.setTooltip(new Tooltip(String.format("%d labelled %s, predicted %s (%.0f%% of the row)", v,
                        classes.get(t).name(), p < classes.size() ? classes.get(p).name() : "nothing", 100 * share)));
                matrix.add(cell, p + 1, t + 1);
            }
        }
    }

    private static String web(Color c) {
        return String.format("#%02x%02x%02x", Math.round(c.getRed() * 255), Math.round(c.getGreen() * 255),
                Math.round(c.getBlue() * 255));
    }

    /** For tests: the plotted points of the learning curve (the moving-accuracy series). */
    public List<XYChart.Data<Number, Number>> curvePoints() {
        return List.copyOf(moving.getData());
    }

    /** For tests: the sum of every cell of the confusion matrix as drawn. */
    public long matrixTotal() {
        return matrix.getChildren().stream().filter(n -> n.getStyleClass().contains("cm-cell"))
                .mapToLong(n -> (Long) n.getUserData()).sum();
    }
}
