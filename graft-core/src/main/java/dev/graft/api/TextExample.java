package dev.graft.api;

/**
 * One labeled text for a {@link Classifier}.
 *
 * @param text  the text
 * @param label its class
 */
public record TextExample(String text, String label) {
    public TextExample {
        if (text == null || label == null || label.isBlank()) {
            throw new IllegalArgumentException("a labeled text needs a text and a non-blank label, got text "
                    + (text == null ? "null" : "\"" + text + "\"") + " and label " + label);
        }
    }

    public static TextExample of(String text, String label) {
        return new TextExample(text, label);
    }
}
