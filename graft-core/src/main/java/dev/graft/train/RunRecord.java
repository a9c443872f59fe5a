package dev.graft.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.model.JsonFiles;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The {@code run.json} a pretraining or distillation run writes into its folder (the spec parts they share write
 * their own settings into it: {@link OptimizerSpec#writeTo}, {@link RunOptions#writeTo}), and the writing ({@code run-resumed.json} for a resumed run, so that the first
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

    /** Writes the record, pretty-printed, as {@code run.json} or, resuming, {@code run-resumed.json}. */
    public static void write(Path folder, boolean resuming, ObjectNode run) throws IOException {
        JsonFiles.write(folder.resolve(resuming ? "run-resumed.json" : "run.json"), run);
    }
}
