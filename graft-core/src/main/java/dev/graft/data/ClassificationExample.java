package dev.graft.data;

import java.util.Map;
import java.util.Objects;

/**
 * One labeled text: {@code text} and {@code label} always, a stable {@code id}, and extra string
 * fields kept from the source (for example {@code domain} in sentiment-uci, {@code year} in sotu-party).
 */
public record ClassificationExample(String id, String text, String label, Map<String, String> fields) {
    public ClassificationExample {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(label, "label");
        fields = fields == null ? Map.of() : Map.copyOf(fields);
    }

    public ClassificationExample(String id, String text, String label) {
        this(id, text, label, Map.of());
    }

    /** The extra field {@code name}, or null. */
    public String field(String name) {
        return fields.get(name);
    }
}
