package dev.loupe.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.PrintWriter;

/** JSON output of the CLI: one mapper, pretty-printed, always ending with a newline. */
final class Json {

    /** Made on first use: loading Jackson costs ~0.35 s of a verb's start, and text output never needs it. */
    private static final class Mapper {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    private Json() {
    }

    static void print(PrintWriter out, Object value) {
        try {
            out.println(Mapper.MAPPER.writeValueAsString(value));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write JSON", e);
        }
    }

    /** A JSON-safe number: NaN (e.g. an accuracy over zero labels) becomes null. */
    static Double number(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
