package dev.graft.data;

import java.util.List;
import java.util.Objects;

/** One tagged sentence: tokens and one tag per token, with a stable {@code id}. */
public record TaggingExample(String id, List<String> tokens, List<String> tags) {
    public TaggingExample {
        Objects.requireNonNull(id, "id");
        tokens = List.copyOf(tokens);
        tags = List.copyOf(tags);
        if (tokens.size() != tags.size()) {
            throw new IllegalArgumentException("sentence " + id + " has " + tokens.size() + " tokens but "
                    + tags.size() + " tags");
        }
    }

    public int size() {
        return tokens.size();
    }
}
