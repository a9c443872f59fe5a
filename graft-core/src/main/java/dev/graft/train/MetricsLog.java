package dev.graft.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code metrics.jsonl}: one JSON object per logged step or evaluation, appended and flushed as it
 * happens. On resume, records after the checkpoint's step are dropped first, so the file tells one
 * consistent story.
 */
public final class MetricsLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedWriter out;

    /** Opens {@code file} for appending, first dropping records with a step greater than {@code keepUpToStep}. */
    public MetricsLog(Path file, long keepUpToStep) throws IOException {
        if (Files.exists(file)) {
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    if (JSON.readTree(line).path("step").asLong(0) <= keepUpToStep) {
                        kept.add(line);
                    }
                } catch (IOException e) {
                    // a torn last line from a crash: drop it
                }
            }
            Files.write(file, kept, StandardCharsets.UTF_8);
        }
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    public static ObjectNode record(String type, long step) {
        ObjectNode o = JSON.createObjectNode();
        o.put("type", type);
        o.put("step", step);
        return o;
    }

    public synchronized void write(ObjectNode record) throws IOException {
        out.write(JSON.writeValueAsString(record));
        out.write('\n');
        out.flush();
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
