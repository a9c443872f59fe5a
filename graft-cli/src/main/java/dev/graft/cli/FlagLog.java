package dev.graft.cli;

import dev.graft.io.FieldNamingLog;
import picocli.CommandLine;

import java.io.PrintStream;

/**
 * The log a command gives the library: what the library prints, with the spec fields its hints name printed
 * as the command's flags ({@link FieldNamingLog}, {@link Main#flagOf}), as its errors are.
 */
final class FlagLog {
    private FlagLog() {
    }

    /** {@code out}, printing the fields of {@code command}'s spec as its flags. */
    static PrintStream of(CommandLine command, PrintStream out) {
        return FieldNamingLog.of(out, field -> Main.flagOf(command, field));
    }

    /** {@code text} with every field {@code command} has a flag for replaced by that flag. */
    static String translate(CommandLine command, String text) {
        return FieldNamingLog.translate(text, field -> Main.flagOf(command, field));
    }
}
