package dev.loupe.cli;

import dev.loupe.LoupeException;
import dev.loupe.importing.SkippedFile;
import dev.loupe.backbone.BackboneException;
import dev.loupe.backbone.pretrain.BackboneTrainer;
import dev.loupe.backbone.Dl4jBackbone;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code loupe train-backbone}: trains a base model of Model Zero's shape on the user's own labelled folders. */
@Command(name = "train-backbone", description = {
        "Train a base model (backbone) on an ImageFolder tree DIR/<class>/<images>",
        "and write it to FILE.zip; use it with `loupe new PROJECT --backbone FILE.zip`.",
        "A compact conv net of Model Zero's shape learns the folder classes, with",
        "augmentation (crops, flips, colour jitter). A stratified held-out share is",
        "measured after every epoch; training stops early when its accuracy stops",
        "improving, and the best epoch's weights are written. Slow on a CPU: 10 epochs",
        "of 1,000 images at 64 px took 4.5 min on a shared 2-core machine.",
        "With --label-free, DIR is any folder of images, labels are not used: the net",
        "learns to tell how each image was turned (0, 90, 180 or 270 degrees)."})
final class TrainBackboneCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "ImageFolder tree: one subfolder per class. With train/ and test/ subfolders, train/ is used.")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "FILE.zip", description = "The backbone file to write.")
    Path out;

    @Option(names = "--size", description = "Input side in pixels (default: ${DEFAULT-VALUE}, as Model Zero).")
    int size = 64;

    @Option(names = "--epochs", description = "Most passes over the training images (default: ${DEFAULT-VALUE}).")
    int epochs = 10;

    @Option(names = "--seed", description = "Seeds weights, split, order and augmentation (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--held-out", description = "Share of each class held out to measure accuracy (default: ${DEFAULT-VALUE}; 0: none, the last epoch is kept).")
    double heldOut = 0.1;

    @Option(names = "--patience", description = "Stop after this many epochs without better held-out accuracy (default: ${DEFAULT-VALUE}; 0: never).")
    int patience = 3;

    @Option(names = "--batch", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batch = 32;

    @Option(names = "--learning-rate", description = "Adam's learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate = 1e-3;

    @Option(names = "--widths", split = ",", paramLabel = "W",
            description = "Filters per conv block (default: 16,32,64,128, as Model Zero); the embedding has their sum of values.")
    int[] widths = {16, 32, 64, 128};

    @Option(names = "--name", description = "The backbone's name, the first part of its id (default: the file name without .zip).")
    String name;

    @Option(names = "--threads", description = "Decoding threads (default: ${DEFAULT-VALUE}); training uses the calling thread.")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--compute-threads", description = "Native threads for the network (default: ${DEFAULT-VALUE}: on a"
            + " busy 2-core machine one was faster than two).")
    int computeThreads = 1;

    @Option(names = "--label-free", description = "Learn without labels from every image below DIR (any layout):"
            + " the net learns to tell by how many quarter turns each image was rotated. For a large unlabelled"
            + " collection; held-out accuracy is then the rotation accuracy.")
    boolean labelFree;

    @Option(names = "--json", description = "Print a JSON summary on stdout (the epoch lines go to stderr).")
    boolean json;

    @Override
    public Integer call() throws BackboneException {
        BackboneTrainer.checkWritable(out);
        BackboneTrainer.Options options = options();
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter log = json ? err : stdout;
        BackboneTrainer.Result r = BackboneTrainer.train(data, backboneName(), options, new Listener(err, log, epochs));
        String id;
        int dim;
        try {
            BackboneTrainer.write(r, out);
            // Read it back the way a project will, so a file that would not load is never reported as written.
            try (Dl4jBackbone written = Dl4jBackbone.load(out)) {
                id = written.id();
                dim = written.dim();
            }
        } finally {
            r.backbone().close();
        }
        if (json) {
            Json.print(stdout, summary(r, id, dim));
        } else {
            printText(stdout, r, id, dim);
        }
        return 0;
    }

    private BackboneTrainer.Options options() {
        if (size < 16 || size > 512) {
            throw new LoupeException("--size must be between 16 and 512 pixels, not " + size + ".");
        }
        if (epochs < 1) {
            throw new LoupeException("--epochs must be at least 1.");
        }
        if (!(heldOut >= 0 && heldOut <= 0.5)) {
            throw new LoupeException("--held-out must be between 0 and 0.5, not " + heldOut + ".");
        }
        if (patience < 0 || batch < 1 || threads < 1 || computeThreads < 1 || !(learningRate > 0 && learningRate < 1)) {
            throw new LoupeException("--patience must be 0 or more; --batch, --threads and --compute-threads at least 1;"
                    + " --learning-rate in (0, 1).");
        }
        if (widths.length == 0 || widths.length > 8 || java.util.Arrays.stream(widths).anyMatch(w -> w < 1 || w > 1024)) {
            throw new LoupeException("--widths takes 1 to 8 block widths between 1 and 1024, e.g. 16,32,64,128.");
        }
        if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".zip")) {
            throw new LoupeException("--out must name a .zip file (a Loupe backbone file), not " + out + ".");
        }
        return new BackboneTrainer.Options(size, widths, epochs, batch, learningRate, heldOut, patience, seed, threads,
                computeThreads, labelFree);
    }

    private String backboneName() {
        if (name != null && !name.isBlank()) {
            return name.strip();
        }
        String file = out.getFileName().toString();
        return file.substring(0, file.length() - ".zip".length());
    }

    /** Progress bars on stderr, one log line per epoch on {@code log}. */
    private static final class Listener implements BackboneTrainer.Listener {
        private final PrintWriter err;
        private final PrintWriter log;
        private final int epochs;
        private Progress decoding;
        private Progress progress;

        Listener(PrintWriter err, PrintWriter log, int epochs) {
            this.err = err;
            this.log = log;
            this.epochs = epochs;
        }

        @Override
        public void decoding(int done, int total) {
            if (decoding == null) {
                decoding = new Progress(err, "decoding");
            }
            decoding.update(done, total);
        }

        @Override
        public void ready(List<String> classes, int train, int heldOut, int skipped) {
            if (decoding != null) {
                decoding.finish();
            }
            log.printf("%d classes %s: %d images for training, %d held out%s.%n", classes.size(), abbreviated(classes),
                    train, heldOut, skipped == 0 ? "" : ", " + skipped + " files skipped (could not be decoded)");
            log.flush();
        }

        @Override
        public void step(int epoch, int batch, int batches) {
            if (progress == null) {
                progress = new Progress(err, "epoch " + epoch + "/" + epochs);
            }
            progress.update(batch, batches);
        }

        @Override
        public void epoch(BackboneTrainer.Epoch e) {
            if (progress != null) {
                progress.finish();
                progress = null;
            }
            log.println(String.format(Locale.ROOT, "epoch %d/%d  train loss %.4f  held-out accuracy %s  %.1f s%s",
                    e.epoch(), epochs, e.trainLoss(), percent(e.heldOutAccuracy()), e.seconds(), e.best() ? "  (best so far)" : ""));
            log.flush();
        }

        private static String abbreviated(List<String> classes) {
            return classes.size() <= 12 ? classes.toString()
                    : "[" + String.join(", ", classes.subList(0, 12)) + ", ...]";
        }
    }

    private static String percent(double accuracy) {
        return Double.isNaN(accuracy) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * accuracy);
    }

    private Map<String, Object> summary(BackboneTrainer.Result r, String id, int dim) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("out", out.toString());
        m.put("backbone", id);
        m.put("dim", dim);
        m.put("data", r.dataRoot().toString());
        m.put("classes", r.classes());
        m.put("train_images", r.trainImages());
        m.put("held_out_images", r.heldOutImages());
        m.put("skipped", r.skipped().size());
        List<Map<String, String>> skipped = new ArrayList<>();
        for (SkippedFile s : r.skipped()) {
            skipped.add(Map.of("path", s.path().toString(), "reason", s.reason()));
        }
        m.put("skipped_files", skipped);
        List<Map<String, Object>> epochList = new ArrayList<>();
        for (BackboneTrainer.Epoch e : r.epochs()) {
            Map<String, Object> em = new LinkedHashMap<>();
            em.put("epoch", e.epoch());
            em.put("train_loss", Json.number(e.trainLoss()));
            em.put("held_out_accuracy", Json.number(e.heldOutAccuracy()));
            em.put("seconds", Math.round(e.seconds() * 1000) / 1000.0);
            epochList.add(em);
        }
        m.put("epochs", epochList);
        m.put("best_epoch", r.bestEpoch());
        m.put("best_held_out_accuracy", Json.number(r.bestAccuracy()));
        m.put("stopped_early", r.stoppedEarly());
        m.put("decode_seconds", Math.round(r.decodeSeconds() * 1000) / 1000.0);
        m.put("train_seconds", Math.round(r.trainSeconds() * 1000) / 1000.0);
        m.put("size", size);
        m.put("seed", seed);
        return m;
    }

    private void printText(PrintWriter o, BackboneTrainer.Result r, String id, int dim) {
        o.printf(Locale.ROOT, "Wrote %s (%s, %d-value embedding): epoch %d of %d kept, held-out accuracy %s%s.%n",
                out, id, dim, r.bestEpoch(), r.epochs().size(), percent(r.bestAccuracy()),
                r.stoppedEarly() ? "; stopped early, no better held-out accuracy for " + patience + " epochs" : "");
        o.printf(Locale.ROOT, "Decoding %.1f s, training %.1f s (%.1f s per epoch).%n", r.decodeSeconds(), r.trainSeconds(),
                r.trainSeconds() / r.epochs().size());
        if (!r.skipped().isEmpty()) {
            o.printf("%d files skipped:%n", r.skipped().size());
            for (SkippedFile s : r.skipped().subList(0, Math.min(10, r.skipped().size()))) {
                o.printf("  %s: %s%n", s.path(), s.reason());
            }
            if (r.skipped().size() > 10) {
                o.printf("  ... (%d more; --json lists all)%n", r.skipped().size() - 10);
            }
        }
        o.printf("Use it: loupe new PROJECT --backbone %s%n", out);
        o.flush();
    }
}
