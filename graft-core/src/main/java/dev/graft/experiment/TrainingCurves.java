package dev.graft.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

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
 * chart, and every other validation metric (accuracy, perplexity) in a second, as PNG files.
 */
public final class TrainingCurves {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainingCurves() {
    }

    /** Writes {@code loss.png} and {@code validation.png} next to the metrics; returns the files written. */
    public static List<Path> plot(Path runFolder) throws IOException {
        System.setProperty("java.awt.headless", "true");
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
        XYChart loss = chart("Loss", "loss (nats)");
        XYChart other = chart("Validation", "value");
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            boolean isLoss = e.getKey().contains("loss");
            if (!isLoss && e.getKey().contains("perplexity")) {
                continue; // on the loss chart's scale it would dwarf everything; perplexity = exp(val_loss)
            }
            XYChart target = isLoss ? loss : other;
            double[] x = e.getValue().stream().mapToDouble(p -> p[0]).toArray();
            double[] y = e.getValue().stream().mapToDouble(p -> p[1]).toArray();
            XYSeries s = target.addSeries(e.getKey(), x, y);
            s.setMarker(x.length > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
        Path lossFile = runFolder.resolve("loss.png");
        BitmapEncoder.saveBitmap(loss, lossFile.toString(), BitmapEncoder.BitmapFormat.PNG);
        written.add(lossFile);
        if (!other.getSeriesMap().isEmpty()) {
            Path valFile = runFolder.resolve("validation.png");
            BitmapEncoder.saveBitmap(other, valFile.toString(), BitmapEncoder.BitmapFormat.PNG);
            written.add(valFile);
        }
        return written;
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("step").yAxisTitle(yTitle)
                .build();
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        return c;
    }
}
