package dev.graft.tokenizer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Unicode normalization forms (UAX #15) applied to a {@link NormalizedText} with alignments.
 *
 * <p>The text comes from {@link java.text.Normalizer}; the alignment follows the Hugging Face
 * implementation (crate {@code unicode-normalization-alignments}), measured against it: a
 * decomposed character's parts all point at the character they came from (first part
 * "replaces", the rest are "inserted"); canonical reordering moves a mark together with its
 * alignment; a composed character takes the alignment of its starter, and each mark it absorbs
 * removes one original position after it.
 */
final class UnicodeForms {
    private UnicodeForms() {
    }

    /** The four forms. */
    enum Form {
        NFC(Normalizer.Form.NFC, false, true),
        NFD(Normalizer.Form.NFD, false, false),
        NFKC(Normalizer.Form.NFKC, true, true),
        NFKD(Normalizer.Form.NFKD, true, false);

        final Normalizer.Form javaForm;
        final boolean compatibility;
        final boolean composed;

        Form(Normalizer.Form javaForm, boolean compatibility, boolean composed) {
            this.javaForm = javaForm;
            this.compatibility = compatibility;
            this.composed = composed;
        }
    }

    private static final ConcurrentHashMap<Integer, int[]> CANONICAL = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Integer, int[]> COMPATIBILITY = new ConcurrentHashMap<>();

    /** The full decomposition of one code point (itself when it has none). */
    static int[] decomposition(int cp, boolean compatibility) {
        if (cp < (compatibility ? 0xA0 : 0xC0)) {
            return null;
        }
        ConcurrentHashMap<Integer, int[]> cache = compatibility ? COMPATIBILITY : CANONICAL;
        int[] d = cache.get(cp);
        if (d == null) {
            String s = Normalizer.normalize(new String(Character.toChars(cp)),
                    compatibility ? Normalizer.Form.NFKD : Normalizer.Form.NFD);
            d = s.codePoints().toArray();
            if (d.length == 1 && d[0] == cp) {
                d = new int[0];
            }
            if (cache.size() < 65536) {
                cache.put(cp, d);
            }
        }
        return d.length == 0 ? null : d;
    }

    static NormalizedText apply(NormalizedText in, Form form) {
        String text = in.text;
        if (Normalizer.isNormalized(text, form.javaForm)) {
            return in;
        }
        // 1. Decompose, each part carrying its change.
        Parts parts = new Parts(text.length() + 16);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int[] d = decomposition(cp, form.compatibility);
            if (d == null) {
                parts.add(cp, 0);
            } else {
                for (int k = 0; k < d.length; k++) {
                    parts.add(d[k], k == 0 ? 0 : 1);
                }
            }
            i += Character.charCount(cp);
        }
        // 2. Canonical reordering within runs of marks, in the order java.text.Normalizer gives.
        reorderMarks(parts);
        // 3. Canonical composition.
        if (form.composed) {
            parts = compose(parts);
        }
        NormalizedText.Transform t = in.transform(0);
        for (int k = 0; k < parts.size; k++) {
            t.emit(parts.codePoints[k], parts.changes[k]);
        }
        return t.finish();
    }

    /** Code points with their changes (growable parallel arrays). */
    private static final class Parts {
        int[] codePoints;
        int[] changes;
        int size;

        Parts(int capacity) {
            codePoints = new int[capacity];
            changes = new int[capacity];
        }

        void add(int cp, int change) {
            if (size == codePoints.length) {
                codePoints = java.util.Arrays.copyOf(codePoints, size * 2);
                changes = java.util.Arrays.copyOf(changes, size * 2);
            }
            codePoints[size] = cp;
            changes[size] = change;
            size++;
        }
    }

    private static void reorderMarks(Parts parts) {
        int n = parts.size;
        int i = 0;
        while (i < n) {
            if (!CharClasses.isMark(parts.codePoints[i])) {
                i++;
                continue;
            }
            int j = i;
            while (j < n && CharClasses.isMark(parts.codePoints[j])) {
                j++;
            }
            if (j - i >= 2) {
                StringBuilder run = new StringBuilder();
                for (int k = i; k < j; k++) {
                    run.appendCodePoint(parts.codePoints[k]);
                }
                String sorted = Normalizer.normalize(run, Normalizer.Form.NFD);
                if (!sorted.contentEquals(run)) {
                    List<int[]> original = new ArrayList<>();
                    for (int k = i; k < j; k++) {
                        original.add(new int[] {parts.codePoints[k], parts.changes[k]});
                    }
                    int k = i;
                    for (int q = 0; q < sorted.length(); ) {
                        int cp = sorted.codePointAt(q);
                        for (int r = 0; r < original.size(); r++) {
                            if (original.get(r)[0] == cp) {
                                int[] p = original.remove(r);
                                parts.codePoints[k] = p[0];
                                parts.changes[k] = p[1];
                                k++;
                                break;
                            }
                        }
                        q += Character.charCount(cp);
                    }
                }
            }
            i = j;
        }
    }

    /** Composes the decomposed parts, folding each absorbed mark into its starter's change. */
    private static Parts compose(Parts parts) {
        StringBuilder decomposed = new StringBuilder(parts.size);
        for (int k = 0; k < parts.size; k++) {
            decomposed.appendCodePoint(parts.codePoints[k]);
        }
        String composed = Normalizer.normalize(decomposed, Normalizer.Form.NFC);
        Parts out = new Parts(composed.length() + 1);
        int lastStarter = -1;
        int j = 0;
        for (int k = 0; k < parts.size; k++) {
            int cp = parts.codePoints[k];
            int next = j < composed.length() ? composed.codePointAt(j) : -1;
            if (next >= 0 && (next == cp || firstOf(next) == cp)) {
                out.add(next, parts.changes[k]);
                if (!CharClasses.isMark(next)) {
                    lastStarter = out.size - 1;
                }
                j += Character.charCount(next);
            } else if (lastStarter >= 0) {
                out.changes[lastStarter] += parts.changes[k] - 1;
            } else {
                out.add(cp, parts.changes[k]);
            }
        }
        return out;
    }

    private static int firstOf(int cp) {
        int[] d = decomposition(cp, false);
        return d == null ? cp : d[0];
    }
}
