package dev.graft.data;

import java.util.List;
import java.util.Objects;

/**
 * One text with a set of labels (multi-label classification): any number of them, none included, each once,
 * in the order the source gave them.
 */
public record MultiLabelExample(String id, String text, List<String> labels) {
    public MultiLabelExample {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(text, "text");
        labels = List.copyOf(labels);
        if (labels.size() != labels.stream().distinct().count()) {
            throw new IllegalArgumentException("example " + id + " lists a label twice: " + labels);
        }
    }
}
