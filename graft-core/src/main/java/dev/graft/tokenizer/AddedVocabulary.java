package dev.graft.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashSet;

/**
 * Tokens matched in the text before the model sees it (special tokens such as {@code [MASK]} or
 * {@code <|endoftext|>}, and user-added tokens), as the Hugging Face {@code AddedVocabulary}:
 * tokens with {@code normalized=false} are found in the original text, the others in each
 * normalized piece; matching is leftmost-longest; {@code single_word}, {@code lstrip} and
 * {@code rstrip} as there.
 */
final class AddedVocabulary {

    /** One added token, with the options of tokenizer.json's {@code added_tokens}. */
    record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized,
            boolean special) {
    }

    /** A piece of the input: normalized text for the model, or one added token. */
    record Piece(NormalizedText text, int addedTokenId) {
        boolean isAddedToken() {
            return addedTokenId >= 0;
        }
    }

    private final List<AddedToken> tokens;
    private final Map<String, Integer> contentToId = new HashMap<>();
    private final Map<Integer, AddedToken> byId = new LinkedHashMap<>();
    private final Set<String> specialContents = new HashSet<>();
    private final Matcher rawMatcher;
    private final Matcher normalizedMatcher;

    /**
     * @param requested tokens in file order; ids are derived as the reference does: the model's id
     *                  when the content is in its vocabulary, otherwise the next free id after it
     */
    AddedVocabulary(List<AddedToken> requested, TokenModel model, Normalizers.Normalizer normalizer) {
        List<AddedToken> resolved = new ArrayList<>();
        for (AddedToken t : requested) {
            if (t.content().isEmpty() || contentToId.containsKey(t.content())) {
                continue;
            }
            int id = model.tokenToId(t.content());
            if (id < 0) {
                int max = -1;
                for (int v : contentToId.values()) {
                    max = Math.max(max, v);
                }
                id = max < 0 || max < model.size() ? model.size() : max + 1;
            }
            AddedToken r = new AddedToken(id, t.content(), t.singleWord(), t.lstrip(), t.rstrip(), t.normalized(),
                    t.special());
            contentToId.put(r.content(), id);
            byId.put(id, r);
            if (r.special()) {
                specialContents.add(r.content());
            }
            resolved.add(r);
        }
        this.tokens = List.copyOf(resolved);
        // the reference lists special tokens before the others in its matchers
        List<AddedToken> ordered = new ArrayList<>();
        resolved.stream().filter(AddedToken::special).forEach(ordered::add);
        resolved.stream().filter(t -> !t.special()).forEach(ordered::add);
        List<AddedToken> raw = new ArrayList<>();
        List<String> rawPatterns = new ArrayList<>();
        List<AddedToken> norm = new ArrayList<>();
        List<String> normPatterns = new ArrayList<>();
        for (AddedToken t : ordered) {
            if (t.normalized()) {
                norm.add(t);
                String p = normalizer == null ? t.content()
                        : normalizer.normalize(NormalizedText.of(t.content(), 0, t.content().length())).text;
                normPatterns.add(p);
            } else {
                raw.add(t);
                rawPatterns.add(t.content());
            }
        }
        this.rawMatcher = new Matcher(raw, rawPatterns);
        this.normalizedMatcher = new Matcher(norm, normPatterns);
    }

    List<AddedToken> tokens() {
        return tokens;
    }

    int size() {
        return tokens.size();
    }

    /** Id of an added token's content, or -1. */
    int idOf(String content) {
        Integer id = contentToId.get(content);
        return id == null ? -1 : id;
    }

    AddedToken byId(int id) {
        return byId.get(id);
    }

    boolean isSpecial(String content) {
        return specialContents.contains(content);
    }

    /**
     * Cuts {@code text} at added tokens and normalizes the pieces in between.
     *
     * @return the non-empty pieces, in order
     */
    List<Piece> extractAndNormalize(String text, Normalizers.Normalizer normalizer) {
        List<Piece> first = new ArrayList<>();
        rawMatcher.split(NormalizedText.of(text, 0, text.length()), first);
        List<Piece> out = new ArrayList<>(first.size() + 4);
        for (Piece p : first) {
            if (p.isAddedToken()) {
                out.add(p);
                continue;
            }
            NormalizedText normalized = normalizer == null ? p.text() : normalizer.normalize(p.text());
            if (normalized.isEmpty()) {
                continue;
            }
            normalizedMatcher.split(normalized, out);
        }
        return out;
    }

    /** Leftmost-longest matching of a fixed set of patterns, with the added-token options. */
    private static final class Matcher {
        private final Map<Character, List<Integer>> byFirstChar = new HashMap<>();
        /** Whether some pattern starts with a char (a quick test before the map). */
        private final boolean[] isFirstChar = new boolean[65536];
        private final List<AddedToken> tokens;
        private final List<String> patterns;

        Matcher(List<AddedToken> tokens, List<String> patterns) {
            this.tokens = tokens;
            this.patterns = patterns;
            for (int i = 0; i < patterns.size(); i++) {
                String p = patterns.get(i);
                if (!p.isEmpty()) {
                    byFirstChar.computeIfAbsent(p.charAt(0), c -> new ArrayList<>()).add(i);
                    isFirstChar[p.charAt(0)] = true;
                }
            }
            for (List<Integer> list : byFirstChar.values()) {
                // longest first; among equal lengths, first given first
                list.sort(Comparator.comparingInt((Integer i) -> -patterns.get(i).length()).thenComparingInt(i -> i));
            }
        }

        /** Appends the pieces of {@code piece}: added tokens and the (non-empty) text between them. */
        void split(NormalizedText piece, List<Piece> out) {
            String s = piece.text;
            if (byFirstChar.isEmpty()) {
                if (!piece.isEmpty()) {
                    out.add(new Piece(piece, -1));
                }
                return;
            }
            int n = s.length();
            int emitted = 0; // end of the last piece emitted
            int i = 0;
            while (i < n) {
                char first = s.charAt(i);
                if (!isFirstChar[first]) {
                    i++;
                    continue;
                }
                List<Integer> candidates = byFirstChar.get(first);
                int match = -1;
                if (candidates != null) {
                    for (int c : candidates) {
                        if (s.startsWith(patterns.get(c), i)) {
                            match = c;
                            break;
                        }
                    }
                }
                if (match < 0) {
                    i++;
                    continue;
                }
                AddedToken token = tokens.get(match);
                int start = i;
                int stop = i + patterns.get(match).length();
                i = stop; // the next search starts after this match, even if it is discarded
                if (token.singleWord()) {
                    boolean startSpace = start == 0 || !CharClasses.isWordChar(s.codePointBefore(start));
                    boolean stopSpace = stop == n || !CharClasses.isWordChar(s.codePointAt(stop));
                    if (!startSpace || !stopSpace) {
                        continue;
                    }
                }
                if (token.lstrip()) {
                    int k = start;
                    while (k > 0 && CharClasses.isWhitespace(s.codePointBefore(k))) {
                        k -= Character.charCount(s.codePointBefore(k));
                    }
                    start = Math.max(k, emitted);
                }
                if (token.rstrip()) {
                    while (stop < n && CharClasses.isWhitespace(s.codePointAt(stop))) {
                        stop += Character.charCount(s.codePointAt(stop));
                    }
                    i = stop;
                }
                if (emitted < start) {
                    out.add(new Piece(piece.slice(emitted, start), -1));
                }
                out.add(new Piece(piece.slice(start, stop), token.id()));
                emitted = stop;
            }
            if (emitted < n) {
                out.add(new Piece(piece.slice(emitted, n), -1));
            }
        }
    }
}
