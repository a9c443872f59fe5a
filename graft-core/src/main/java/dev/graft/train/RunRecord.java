package dev.graft.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.model.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code run.json} a pretraining or distillation run writes into its folder: its settings, the ones both
 * commands have recorded alike, and the writing ({@code run-resumed.json} for a resumed run, so that the first
 * run's record stays).
 */
public final class RunRecord {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunRecord() {
    }

    /** A new record of a run of {@code command} ("pretrain", "distill"). */
    public static ObjectNode of(String command) {
        ObjectNode run = JSON.createObjectNode();
        run.put("command", command);
        return run;
    }

    /** The optimizer's settings: the peak rate, the warm-up fraction, the schedule, weight decay, clipping. */
    public static void putOptimizer(ObjectNode run, float lr, double warmup, String schedule, float weightDecay,
                                    double clip) {
        run.put("lr", lr);
        run.put("warmup", warmup);
        run.put("schedule", schedule);
        run.put("weight_decay", weightDecay);
        run.put("clip", clip);
    }

    /** How long the run goes (steps, epochs, its time budget in seconds or null), its threads and its seed. */
    public static void putLength(ObjectNode run, long steps, double epochs, Duration maxTime, int threads, long seed) {
        run.put("steps", steps);
        run.put("epochs", epochs);
        run.put("max_time_s", maxTime == null ? null : maxTime.toSeconds());
        run.put("threads", threads);
        run.put("seed", seed);
    }

    /** Writes the record, pretty-printed, as {@code run.json} or, resuming, {@code run-resumed.json}. */
    public static void write(Path folder, boolean resuming, ObjectNode run) throws IOException {
        AtomicFiles.writeString(folder.resolve(resuming ? "run-resumed.json" : "run.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(run) + "\n");
    }
}
