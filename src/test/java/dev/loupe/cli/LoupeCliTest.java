package dev.loupe.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class LoupeCliTest {

    @Test
    void helpListsTheVerbs() {
        StringWriter out = new StringWriter();
        CommandLine cl = LoupeCli.commandLine();
        cl.setOut(new PrintWriter(out));
        int code = cl.execute("--help");
        assertThat(code).isZero();
        assertThat(out.toString()).contains("Usage: loupe");
    }

    @Test
    void unknownVerbIsAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cl = LoupeCli.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("frobnicate");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("frobnicate");
    }

    @Test
    void aVerbsCommandLineHoldsThatVerbAloneAndHelpKeepsTheWholeTree() {
        assertThat(LoupeCli.verb("status")).isEqualTo(StatusCommand.class);
        assertThat(LoupeCli.verb("undo")).isEqualTo(UndoCommand.Undo.class);
        assertThat(LoupeCli.verb("help")).as("help lists every verb").isNull();
        assertThat(LoupeCli.verb("birds.loupe")).isNull();
        assertThat(LoupeCli.isVerb("help")).isTrue();
        assertThat(LoupeCli.isVerb("bench")).isTrue();
        assertThat(LoupeCli.isVerb("birds.loupe")).isFalse();
    }
}
