package dev.graft.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.io.Utf8Lines;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Reads a multi-label classification file: JSON Lines (optionally gzip-compressed), one object per line
 * with a text field and a list of labels, e.g. {@code {"text": "...", "labels": ["a", "c"]}} (field names
 * configurable; an empty list is an example with no label; a label listed twice counts once; numbers are
 * taken as their text). An optional {@code id} is kept; a missing one is made from the line number.
 * When {@link Options#knownLabels()} is set (evaluation data), a label outside it is bad input. Bad
 * records follow the {@link BadInput} policy and name the file and line.
 */
public final class MultiLabelReader {
    /**
     * @param textField   field holding the text
     * @param labelsField field holding the list of labels
     * @param knownLabels when not null, labels outside this set are bad input (evaluation data)
     */
    public record Options(String textField, String labelsField, LabelSet knownLabels, int maxLineBytes) {
        public Options {
            Objects.requireNonNull(textField, "textField");
            Objects.requireNonNull(labelsField, "labelsField");
            if (textField.equals(labelsField)) {
                throw new IllegalArgumentException("the text and labels fields are both '" + textField + "'");
            }
        }

        public static Options defaults() {
            return new Options("text", "labels", null, DataFiles.DEFAULT_MAX_LINE_BYTES);
        }

        public Options withFields(String text, String labels) {
            return new Options(text, labels, knownLabels, maxLineBytes);
        }

        public Options withKnownLabels(LabelSet labels) {
            return new Options(textField, labelsField, labels, maxLineBytes);
        }
    }

    private MultiLabelReader() {
    }

    public static List<MultiLabelExample> read(Path file, Options o, BadInput badInput) throws IOException {
        String extension = DataFiles.extension(file);
        if (extension.equals("csv") || extension.equals("tsv") || extension.equals("tab")) {
            throw new IllegalArgumentException(file + ": multi-label data is read from JSON Lines, one object per line "
                    + "like {\"text\": \"...\", \"labels\": [\"a\", \"c\"]}; convert the " + extension + " file");
        }
        long skippedBefore = badInput.skipped();
        List<MultiLabelExample> out = new ArrayList<>();
        try (Utf8Lines lines = badInput.lines(file, o.maxLineBytes())) {
            JsonLines.ObjectLine l;
            while ((l = JsonLines.nextObject(lines, badInput)) != null) {
                String text = l.text(file, o.textField(), "textField", badInput);
                if (text == null) {
                    continue;
                }
                List<String> labels = labels(file, l.number(), l.node().get(o.labelsField()), o, badInput);
                if (labels != null) {
                    out.add(new MultiLabelExample(l.id("id"), text, labels));
                }
            }
        }
        badInput.finishFile(file, out.isEmpty(), "examples", "records", skippedBefore);
        return out;
    }

    /** The labels of one record, or null when it was rejected. */
    private static List<String> labels(Path file, long line, JsonNode node, Options o, BadInput badInput) {
        String field = "\"" + o.labelsField() + "\"";
        if (node == null || !node.isArray()) {
            badInput.reject(new BadInputException(file, line, BadInput.Kind.MISSING_FIELD,
                    (node == null ? "no " + field + " field" : "the " + field + " field is " + node + ", not a list")
                            + " (multi-label rows look like {\"text\": \"...\", \"" + o.labelsField()
                            + "\": [\"a\", \"c\"]}; [] for none)",
                    "give the labels as a JSON list" + badInput.ifOffered("labelField",
                            ", or name the field with labelField") + badInput.orSkip("records")));
            return null;
        }
        Set<String> labels = new LinkedHashSet<>();
        for (JsonNode v : node) {
            if (!v.isValueNode() || v.isNull() || v.asText().isBlank()) {
                badInput.reject(new BadInputException(file, line, BadInput.Kind.MISSING_FIELD,
                        "the " + field + " list holds " + v + ", not a label name",
                        "list label names as strings" + badInput.orSkip("records")));
                return null;
            }
            String label = v.asText();
            if (!badInput.knownOrReject(o.knownLabels(), file, line, "label", label, "records")) {
                return null;
            }
            labels.add(label);
        }
        return new ArrayList<>(labels);
    }
}
