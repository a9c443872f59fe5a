package dev.graft.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The library's hints name spec fields; a command's log prints them as its flags, and nothing else changes. */
class FlagLogTest {
    private static CommandLine command(String name) {
        return Main.commandLine().getSubcommands().get(name);
    }

    @Test
    void fieldsBecomeTheCommandsFlags() {
        CommandLine finetune = command("finetune");
        assertThat(FlagLog.translate(finetune, "to continue, run it again with run.resume (the other settings "
                + "unchanged)")).isEqualTo("to continue, run it again with --resume (the other settings unchanged)");
        assertThat(FlagLog.translate(finetune, "give run.epochs; optimizer.learningRate, run.maxTime."))
                .isEqualTo("give --epochs; --lr, --max-time.");
        // the same field, another command's flag
        assertThat(FlagLog.translate(command("pretrain"), "give run.steps")).isEqualTo("give --steps");
    }

    @Test
    void otherTextAndFieldsWithoutAFlagStayAsTheyAre() {
        CommandLine finetune = command("finetune");
        String text = "wrote runs/ft/run.json and model.safetensors; run.steps is the library's; arch auto: 4 "
                + "layers; runs/run.resume";
        assertThat(FlagLog.translate(finetune, text)).isEqualTo(text);
    }

    @Test
    void theStreamTranslatesWhatIsPrintedThroughIt() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        PrintStream log = FlagLog.of(command("lm-finetune"), out);
        log.printf("interrupted at step %d (checkpoint é); to continue, %s%n", 7, "give run.resume");
        log.println("stopped: λ run.json");
        log.flush();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("interrupted at step 7 (checkpoint é); to "
                + "continue, give --resume" + System.lineSeparator() + "stopped: λ run.json" + System.lineSeparator());
    }
}
