package dev.graft.cli;

import dev.graft.experiment.TrainingCurves;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code graft plot RUN}: training curves from a run's metrics.jsonl. */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = "Plot a run's metrics.jsonl (loss and validation curves) as PNG files in the run folder.")
final class PlotCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Parameters(index = "0", description = "The run folder (holding metrics.jsonl).")
    Path run;

    @Override
    public Integer call() throws IOException {
        for (Path p : TrainingCurves.plot(run)) {
            command.commandLine().getOut().println(p);
        }
        return 0;
    }
}
