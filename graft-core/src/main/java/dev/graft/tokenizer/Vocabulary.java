package dev.graft.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** A token model's vocabulary: entries to ids and back (ids may leave gaps). Immutable. */
final class Vocabulary {
    private final Map<String, Integer> ids;
    private final String[] byId;
    private final int longestEntry;

    Vocabulary(Map<String, Integer> entries) {
        this.ids = new HashMap<>(entries);
        int max = -1;
        int longest = 0;
        for (Map.Entry<String, Integer> e : entries.entrySet()) {
            max = Math.max(max, e.getValue());
            longest = Math.max(longest, e.getKey().length());
        }
        this.byId = new String[max + 1];
        for (Map.Entry<String, Integer> e : entries.entrySet()) {
            byId[e.getValue()] = e.getKey();
        }
        this.longestEntry = longest;
    }

    /** The id of {@code token}, or null. */
    Integer get(String token) {
        return ids.get(token);
    }

    /** The id of {@code token}, or -1. */
    int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    /** The entry of {@code id}, or null. */
    String token(int id) {
        return id >= 0 && id < byId.length ? byId[id] : null;
    }

    int size() {
        return ids.size();
    }

    /** The entries by id (null where an id is unused), a copy. */
    String[] byId() {
        return byId.clone();
    }

    Set<Map.Entry<String, Integer>> entries() {
        return Collections.unmodifiableMap(ids).entrySet();
    }

    /** The length of the longest entry, in UTF-16 units. */
    int longestEntry() {
        return longestEntry;
    }

    /**
     * The byte-fallback tokens ({@code <0xAB>}) of the UTF-8 bytes of {@code text}, looked up with {@code idOf},
     * or null if one is missing.
     */
    static int[] byteFallbackIds(String text, Function<String, Integer> idOf) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            Integer id = idOf.apply(String.format("<0x%02X>", utf8[i] & 0xFF));
            if (id == null) {
                return null;
            }
            ids[i] = id;
        }
        return ids;
    }
}
