// Writes the conv kernels and biases of a Loupe backbone zip (Model Zero's shape) as raw little-endian float32 files
// OUT/convNW.f32 ([out, in, kH, kW], PyTorch's layout) and OUT/convNb.f32, for probe_pooling.py.
// usage (from the repository root, after `mvn -q package -DskipTests`):
//   java -cp "target/loupe.jar" scripts/model-zero/DumpConvWeights.java models/model-zero.zip /tmp/zero-weights
import dev.loupe.backbone.BackboneFiles;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.deeplearning4j.nn.graph.ComputationGraph;

public class DumpConvWeights {
    public static void main(String[] args) throws Exception {
        ComputationGraph g = (ComputationGraph) BackboneFiles.read(Path.of(args[0])).network();
        Path out = Files.createDirectories(Path.of(args[1]));
        for (int i = 1; g.getConfiguration().getVertices().containsKey("conv" + i); i++) {
            for (String p : new String[] {"W", "b"}) {
                var a = g.getLayer("conv" + i).getParam(p);
                float[] f = a.dup('c').data().asFloat();
                ByteBuffer bb = ByteBuffer.allocate(4 * f.length).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : f) bb.putFloat(v);
                try (OutputStream o = Files.newOutputStream(out.resolve("conv" + i + p + ".f32"))) {
                    o.write(bb.array());
                }
                System.out.println("conv" + i + p + " " + Arrays.toString(a.shape()));
            }
        }
    }
}
