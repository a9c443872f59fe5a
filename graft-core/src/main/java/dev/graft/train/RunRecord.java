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

    /** What a resumed run may change: its length (a finished run can be extended) and its thread count. */
    static final java.util.Set<String> MAY_CHANGE = java.util.Set.of("steps", "epochs", "max_time_s", "threads");

    /**
     * Writes the record, pretty-printed, as {@code run.json} or, resuming, {@code run-resumed.json}; a resumed
     * run must have the settings of the run it continues (its {@code run.json}), but for {@link #MAY_CHANGE}.
     */
    public static void write(Path folder, boolean resuming, ObjectNode run) throws IOException {
        if (resuming) {
            requireSameRun(folder.resolve("run.json"), run);
        }
        JsonFiles.write(folder.resolve(resuming ? "run-resumed.json" : "run.json"), run);
    }

    /**
     * Fails unless {@code run} has the settings {@code first} recorded when the run started (a setting the
     * record predates is not compared; nor are {@link #MAY_CHANGE}): other data, rates or shapes would make a
     * run that is neither the one started nor a new one.
     */
    static void requireSameRun(Path first, ObjectNode run) throws IOException {
        if (!java.nio.file.Files.isRegularFile(first)) {
            return;
        }
        com.fasterxml.jackson.databind.JsonNode before = JSON.readTree(first.toFile());
        com.fasterxml.jackson.databind.JsonNode now = JSON.readTree(JSON.writeValueAsString(run)); // as the file is
        java.util.List<String> differ = new java.util.ArrayList<>();
        for (var names = now.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!MAY_CHANGE.contains(name) && before.has(name) && !now.get(name).equals(before.get(name))) {
                differ.add(name + " " + before.get(name) + " -> " + now.get(name));
            }
        }
        if (!differ.isEmpty()) {
            throw new dev.graft.SpecException(java.util.List.of(RunOptions.FIELD + ".resume",
                    RunOptions.FIELD + ".overwrite"), first.getParent() + " was started with other settings ("
                    + String.join("; ", differ.subList(0, Math.min(3, differ.size())))
                    + (differ.size() > 3 ? "; " + (differ.size() - 3) + " more" : "") + "), and a resumed run "
                    + "continues the same run: give " + RunOptions.FIELD + ".resume with the settings in " + first
                    + " (only the length and the threads may change), or start it again (" + RunOptions.FIELD
                    + ".overwrite)");
        }
    }
}
