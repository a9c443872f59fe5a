package dev.graft.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.BreakIterator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * SentencePiece's compiled normalization rules ({@code precompiled_charsmap}), the Hugging Face
 * {@code Precompiled} normalizer. The blob is a little-endian u32 with the size in bytes of a
 * double-array trie (darts-clone layout: per unit, bits 0-7 the label, bit 8 "has a value",
 * bit 9 and bits 10-31 the XOR offset of the children; a value unit has bit 31 set) over UTF-8
 * keys, followed by the replacement strings, each ended by a NUL byte; a key's value is the byte
 * offset of its replacement.
 *
 * <p>Lookup and application follow the reference ({@code spm_precompiled} and
 * {@code normalizers/precompiled.rs}): the text is cut into extended grapheme clusters; a
 * cluster shorter than 6 UTF-8 bytes is looked up whole, and the shortest key that is a prefix
 * of it gives the replacement of the whole cluster; otherwise (or if nothing matched) each of its
 * characters is looked up alone. Characters keep alignments as the reference's transformation
 * list says: the first character of a replacement carries the change in length, the others count
 * as inserted.
 */
final class Precompiled implements Normalizers.Normalizer {
    private final byte[] charsmap;
    private final int[] trie;
    private final byte[] normalized;

    /**
     * @throws IllegalArgumentException if the blob is not a charsmap (too short, a trie size past
     *                                  its end, or replacements that are not UTF-8)
     */
    Precompiled(byte[] charsmap) {
        this.charsmap = charsmap.clone();
        if (charsmap.length < 4) {
            throw new IllegalArgumentException("precompiled_charsmap has " + charsmap.length
                    + " bytes, fewer than its 4-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(charsmap).order(ByteOrder.LITTLE_ENDIAN);
        long trieBytes = b.getInt() & 0xFFFFFFFFL;
        int units = (int) (trieBytes / 4);
        if (4L + 4L * units > charsmap.length) {
            throw new IllegalArgumentException("precompiled_charsmap announces a trie of " + trieBytes
                    + " bytes but holds only " + (charsmap.length - 4));
        }
        trie = new int[units];
        for (int i = 0; i < units; i++) {
            trie[i] = b.getInt();
        }
        normalized = Arrays.copyOfRange(charsmap, 4 + 4 * units, charsmap.length);
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(normalized));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("precompiled_charsmap: its replacement strings are not valid UTF-8");
        }
    }

    /** The blob from {@code tokenizer.json}'s base64 text. */
    static Precompiled fromBase64(String base64) {
        return new Precompiled(Base64.getDecoder().decode(base64));
    }

    /** The blob as {@code tokenizer.json} stores it. */
    String base64() {
        return Base64.getEncoder().encodeToString(charsmap);
    }

    byte[] charsmap() {
        return charsmap.clone();
    }

    /**
     * The replacement of the shortest key that is a prefix of {@code chunk}'s UTF-8 bytes (the
     * reference's {@code transform}: {@code common_prefix_search(..)[0]}), or null.
     */
    String transform(String chunk) {
        byte[] key = chunk.getBytes(StandardCharsets.UTF_8);
        if (trie.length == 0) {
            return null;
        }
        int pos = offset(trie[0]);
        for (byte kb : key) {
            int c = kb & 0xFF;
            if (c == 0) {
                break;
            }
            pos ^= c;
            if (pos < 0 || pos >= trie.length) {
                return null;
            }
            int unit = trie[pos];
            if ((unit & (0x80000000 | 0xFF)) != c) {
                return null;
            }
            pos ^= offset(unit);
            if (((unit >>> 8) & 1) == 1) {
                if (pos < 0 || pos >= trie.length) {
                    return null;
                }
                return replacementAt(trie[pos] & 0x7FFFFFFF);
            }
        }
        return null;
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    private String replacementAt(int index) {
        if (index > normalized.length) {
            return null;
        }
        int end = index;
        while (end < normalized.length && normalized[end] != 0) {
            end++;
        }
        return new String(normalized, index, end - index, StandardCharsets.UTF_8);
    }

    @Override
    public NormalizedText normalize(NormalizedText text) {
        String s = text.text;
        if (s.isEmpty() || trie.length == 0) {
            return text;
        }
        List<int[]> changes = new ArrayList<>(s.length() + 8); // {code point, change}
        boolean modified = false;
        BreakIterator graphemes = BreakIterator.getCharacterInstance(java.util.Locale.ROOT);
        graphemes.setText(s);
        int start = graphemes.first();
        for (int end = graphemes.next(); end != BreakIterator.DONE; start = end, end = graphemes.next()) {
            String grapheme = s.substring(start, end);
            if (utf8Length(grapheme) < 6) {
                String norm = transform(grapheme);
                if (norm != null) {
                    modified = true;
                    add(changes, grapheme, norm);
                    continue;
                }
            }
            for (int i = 0; i < grapheme.length(); ) {
                int cp = grapheme.codePointAt(i);
                int next = i + Character.charCount(cp);
                String part = grapheme.substring(i, next);
                String norm = transform(part);
                if (norm != null) {
                    modified = true;
                    add(changes, part, norm);
                } else {
                    changes.add(new int[] {cp, 0});
                }
                i = next;
            }
        }
        if (!modified) {
            return text;
        }
        NormalizedText.Transform t = text.transform(0);
        for (int[] c : changes) {
            t.emit(c[0], c[1]);
        }
        return t.finish();
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            i += Character.charCount(cp);
        }
        return n;
    }

    /**
     * The reference's transformation list for replacing {@code old} by {@code norm} (the
     * {@code replace} helper of the tokenizers release DJL's binding carries): every new character
     * replaces one (change 0); if the replacement is longer, its last extra characters are
     * insertions (+1); if shorter, the last transformation so far, possibly a preceding
     * character's, also removes the difference.
     */
    private static void add(List<int[]> changes, String old, String norm) {
        int oldCount = old.codePointCount(0, old.length());
        int newCount = norm.codePointCount(0, norm.length());
        int diff = newCount - oldCount;
        int first = changes.size();
        for (int k = 0; k < norm.length(); ) {
            int cp = norm.codePointAt(k);
            changes.add(new int[] {cp, 0});
            k += Character.charCount(cp);
        }
        if (diff > 0) {
            for (int i = changes.size() - 1; i >= changes.size() - diff && i >= first; i--) {
                changes.get(i)[1] = 1;
            }
        } else if (diff < 0 && !changes.isEmpty()) {
            changes.get(changes.size() - 1)[1] += diff;
        }
    }

    // ----- building (for tokenizers graft writes, and tests) -----

    /**
     * Compiles a map from UTF-8 keys to replacements into a charsmap the reference reads: a
     * darts-clone style double array (each node's children at {@code base ^ label}, its value
     * unit at {@code base}, bases unique), padded so that every probe stays inside the array.
     */
    static Precompiled build(Map<String, String> rules) {
        TreeMap<String, String> sorted = new TreeMap<>(rules);
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        Node root = new Node();
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
            if (key.length == 0) {
                throw new IllegalArgumentException("a charsmap key must not be empty");
            }
            Node n = root;
            for (byte kb : key) {
                if (kb == 0) {
                    throw new IllegalArgumentException("a charsmap key must not contain NUL");
                }
                n = n.children.computeIfAbsent(kb & 0xFF, x -> new Node());
            }
            n.value = blob.size();
            byte[] value = e.getValue().getBytes(StandardCharsets.UTF_8);
            blob.writeBytes(value);
            blob.write(0);
        }
        int[] units = new int[1024];
        boolean[] used = new boolean[1024];
        java.util.HashSet<Integer> bases = new java.util.HashSet<>();
        used[0] = true;
        int maxProbe = 0;
        ArrayDeque<Object[]> queue = new ArrayDeque<>();
        queue.add(new Object[] {root, 0});
        int searchFrom = 1;
        while (!queue.isEmpty()) {
            Object[] item = queue.poll();
            Node node = (Node) item[0];
            int pos = (Integer) item[1];
            List<Integer> labels = new ArrayList<>(node.children.keySet());
            boolean hasValue = node.value >= 0 && node != root;
            int base = searchFrom;
            while (true) {
                if (!bases.contains(base)) {
                    boolean ok = !(hasValue && isUsed(used, base));
                    for (int l : labels) {
                        if (!ok) {
                            break;
                        }
                        ok = !isUsed(used, base ^ l);
                    }
                    if (ok) {
                        break;
                    }
                }
                base++;
            }
            while (searchFrom < used.length && used[searchFrom]) {
                searchFrom++;
            }
            bases.add(base);
            int need = (base | 0xFF) + 1;
            if (need > units.length) {
                int size = Math.max(need, units.length * 2);
                units = Arrays.copyOf(units, size);
                used = Arrays.copyOf(used, size);
            }
            maxProbe = Math.max(maxProbe, need);
            int offset = pos ^ base;
            if (offset >= (1 << 21)) {
                throw new IllegalArgumentException("charsmap too large for this builder");
            }
            units[pos] |= offset << 10;
            if (hasValue) {
                used[base] = true;
                units[base] = 0x80000000 | node.value;
            }
            for (int l : labels) {
                Node child = node.children.get(l);
                int p = base ^ l;
                used[p] = true;
                units[p] = l | (child.value >= 0 ? 1 << 8 : 0);
                queue.add(new Object[] {child, p});
            }
        }
        int size = Math.max(maxProbe, 256);
        ByteBuffer out = ByteBuffer.allocate(4 + 4 * size + blob.size()).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(4 * size);
        for (int i = 0; i < size; i++) {
            out.putInt(units[i]);
        }
        out.put(blob.toByteArray());
        return new Precompiled(out.array());
    }

    private static boolean isUsed(boolean[] used, int p) {
        return p < used.length && used[p];
    }

    private static final class Node {
        final TreeMap<Integer, Node> children = new TreeMap<>();
        int value = -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Precompiled p && Arrays.equals(p.charsmap, charsmap);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(charsmap);
    }

    @Override
    public String toString() {
        return "Precompiled[" + charsmap.length + " bytes]";
    }
}
