package dev.graft.api;

import java.util.List;

/**
 * One tagged sentence for a {@link Tagger}: its words and one tag per word.
 *
 * @param tokens the words
 * @param tags   one tag per word (B-/I- chunk tags give spans, {@link Tagging#spans()})
 */
public record TaggedSentence(List<String> tokens, List<String> tags) {
    public TaggedSentence {
        tokens = List.copyOf(tokens);
        tags = List.copyOf(tags);
        if (tokens.size() != tags.size()) {
            throw new IllegalArgumentException("a tagged sentence needs one tag per word: " + tokens.size()
                    + " words " + tokens + " but " + tags.size() + " tags " + tags);
        }
    }

    public static TaggedSentence of(List<String> tokens, List<String> tags) {
        return new TaggedSentence(tokens, tags);
    }
}
