package dev.graft.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plots a run's {@code metrics.jsonl}: training loss and validation loss against step in one
 * chart, and every other validation metric (accuracy; not perplexity, which is exp of the validation loss) in
 * a second, as PNG files drawn by {@link LineChart}.
 */
public final class TrainingCurves {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Line colors in order (matplotlib's tab10). */
    private static final List<String> PALETTE = List.of("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
            "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf");

    private TrainingCurves() {
    }

    /** Writes {@code loss.png} and {@code validation.png} next to the metrics; returns the files written. */
    public static List<Path> plot(Path runFolder) throws IOException {
        Path metrics = runFolder.resolve("metrics.jsonl");
        if (!Files.exists(metrics)) {
            throw new NoSuchFileException(metrics + ": no metrics.jsonl here; is this a graft run folder?");
        }
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode o;
            try {
                o = JSON.readTree(line);
            } catch (IOException e) {
                throw new IOException(metrics + ":" + lineNumber + ": not a JSON object; the file is damaged");
            }
            String type = o.path("type").asText();
            double step = o.path("step").asDouble();
            var fields = o.fields();
            while (fields.hasNext()) {
                var f = fields.next();
                if (!f.getValue().isNumber() || f.getKey().equals("step")) {
                    continue;
                }
                String key = type.equals("train") ? "train_" + f.getKey() : f.getKey();
                if (type.equals("train") && !f.getKey().startsWith("loss")) {
                    continue;
                }
                series.computeIfAbsent(key, k -> new ArrayList<>()).add(new double[] {step, f.getValue().asDouble()});
            }
        }
        if (series.isEmpty()) {
            throw new IOException(metrics + ": no records to plot yet");
        }
        List<Path> written = new ArrayList<>();
        LineChart loss = new LineChart("Loss", "step", "loss (nats)", false);
        LineChart other = new LineChart("Validation", "step", "value", false);
        int lossLines = 0;
        int otherLines = 0;
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            boolean isLoss = e.getKey().contains("loss");
            if (!isLoss && e.getKey().contains("perplexity")) {
                continue; // on the loss chart's scale it would dwarf everything; perplexity = exp(val_loss)
            }
            double[] x = e.getValue().stream().mapToDouble(p -> p[0]).toArray();
            double[] y = e.getValue().stream().mapToDouble(p -> p[1]).toArray();
            if (isLoss) {
                loss.add(new LineChart.Series(e.getKey(), color(lossLines++), false, x, y, null, null));
            } else {
                other.add(new LineChart.Series(e.getKey(), color(otherLines++), false, x, y, null, null));
            }
        }
        Path lossFile = runFolder.resolve("loss.png");
        if (lossLines > 0) {
            loss.writePng(lossFile);
            written.add(lossFile);
        }
        if (otherLines > 0) {
            Path valFile = runFolder.resolve("validation.png");
            other.writePng(valFile);
            written.add(valFile);
        }
        return written;
    }

    private static String color(int i) {
        return PALETTE.get(i % PALETTE.size());
    }
}
