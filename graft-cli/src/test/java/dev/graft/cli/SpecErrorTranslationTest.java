package dev.graft.cli;

import dev.graft.SpecException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A core {@link SpecException} reaches the terminal with the command's flags in place of spec fields. */
class SpecErrorTranslationTest {

    @Command(name = "probe")
    static final class Probe implements Runnable {
        @Option(names = {"--lr", "--learning-rate"})
        float learningRate = 1e-4f;

        @Option(names = "--max-time", descriptionKey = "run.maxTime")
        String budget;

        @Override
        public void run() {
            throw new SpecException(java.util.List.of("optimizer.learningRate", "run.maxTime", "optimizer.beta2"),
                    "optimizer.learningRate must be > 0 within run.maxTime; optimizer.beta2 is fine");
        }
    }

    @Test
    void flagsByJavaFieldNameAndByDescriptionKey() {
        CommandLine cl = new CommandLine(new Probe());
        assertEquals("--learning-rate", Main.flagOf(cl, "optimizer.learningRate"));
        assertEquals("--learning-rate", Main.flagOf(cl, "learningRate"));
        assertEquals("--max-time", Main.flagOf(cl, "run.maxTime"));
        assertNull(Main.flagOf(cl, "optimizer.beta2"));
    }

    @Test
    void theHandlerPrintsTheTranslatedMessage() {
        CommandLine cl = Main.configure(new CommandLine(new Probe()));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute("--lr", "-1");
        assertEquals(2, code);
        assertEquals("graft: --learning-rate must be > 0 within --max-time; optimizer.beta2 is fine",
                err.toString().strip());
    }
}
