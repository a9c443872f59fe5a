package dev.graft.api;

import java.util.List;

/**
 * A {@link Tagger}'s answer for one text: its whitespace-separated words, one tag per word, and the
 * spans the tags mark when they are chunk tags (B-/I-/E-/S-, O), as {@code graft serve} reports them.
 *
 * @param text   the text tagged
 * @param tokens its words (split at whitespace)
 * @param tags   one tag per word
 * @param spans  the chunks the tags mark (empty when the tags are not chunk tags, e.g. part of speech)
 */
public record Tagging(String text, List<String> tokens, List<String> tags, List<Span> spans) {
    public Tagging {
        tokens = List.copyOf(tokens);
        tags = List.copyOf(tags);
        spans = List.copyOf(spans);
    }

    /**
     * One chunk: its type and where it is.
     *
     * @param type       the chunk type (PER for B-PER I-PER)
     * @param start      offset of its first character in the text (a Java string index, UTF-16)
     * @param end        offset just past its last character, so {@code text.substring(start, end)} is the chunk
     * @param text       the chunk's text
     * @param firstToken index of its first word
     * @param lastToken  index of its last word (inclusive)
     */
    public record Span(String type, int start, int end, String text, int firstToken, int lastToken) {
    }
}
