package dev.graft.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;

/**
 * {@code --out} and {@code --overwrite} (a picocli mixin): the folder a command writes, under {@link
 * dev.graft.io.RunFolder}'s rules (a new or empty folder; a run graft made before only with {@code --overwrite},
 * or {@code --resume} where the command has it; never a folder graft did not make). {@code --force}, the name
 * {@code graft import} had, still works, hidden, with a warning: one name per idea.
 */
final class OutputOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--out", required = true, description = "Folder to write: new or empty, or a run graft made "
            + "before with --overwrite (or --resume where the command has it).")
    Path out;

    @Option(names = "--overwrite", description = "Replace an --out folder graft made before (never a folder graft "
            + "did not make).")
    boolean overwrite;

    @Option(names = "--force", hidden = true, description = "Deprecated name of --overwrite.")
    void force(boolean v) {
        overwrite = v;
        command.commandLine().getErr().println("graft: warning: --force is deprecated: use --overwrite");
    }

    /** The folder to write. */
    Path out() {
        return out;
    }

    /** Whether a run graft made before in {@link #out()} is replaced. */
    boolean overwrite() {
        return overwrite;
    }
}
