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
        List<int[]> parts = new ArrayList<>(text.length() + 8); // {code point, change}
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int[] d = decomposition(cp, form.compatibility);
            if (d == null) {
                parts.add(new int[] {cp, 0});
            } else {
                for (int k = 0; k < d.length; k++) {
                    parts.add(new int[] {d[k], k == 0 ? 0 : 1});
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
        for (int[] p : parts) {
            t.emit(p[0], p[1]);
        }
        return t.finish();
    }

    private static void reorderMarks(List<int[]> parts) {
        int n = parts.size();
        int i = 0;
        while (i < n) {
            if (!CharClasses.isMark(parts.get(i)[0])) {
                i++;
                continue;
            }
            int j = i;
            while (j < n && CharClasses.isMark(parts.get(j)[0])) {
                j++;
            }
            if (j - i >= 2) {
                StringBuilder run = new StringBuilder();
                for (int k = i; k < j; k++) {
                    run.appendCodePoint(parts.get(k)[0]);
                }
                String sorted = Normalizer.normalize(run, Normalizer.Form.NFD);
                if (!sorted.contentEquals(run)) {
                    List<int[]> original = new ArrayList<>(parts.subList(i, j));
                    int k = i;
                    for (int q = 0; q < sorted.length(); ) {
                        int cp = sorted.codePointAt(q);
                        for (int r = 0; r < original.size(); r++) {
                            if (original.get(r)[0] == cp) {
                                parts.set(k++, original.remove(r));
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
    private static List<int[]> compose(List<int[]> parts) {
        StringBuilder decomposed = new StringBuilder(parts.size());
        for (int[] p : parts) {
            decomposed.appendCodePoint(p[0]);
        }
        int[] composed = Normalizer.normalize(decomposed, Normalizer.Form.NFC).codePoints().toArray();
        List<int[]> out = new ArrayList<>(composed.length);
        int lastStarter = -1;
        int j = 0;
        for (int[] p : parts) {
            int cp = p[0];
            if (j < composed.length && (composed[j] == cp || firstOf(composed[j]) == cp)) {
                out.add(new int[] {composed[j], p[1]});
                if (!CharClasses.isMark(composed[j])) {
                    lastStarter = out.size() - 1;
                }
                j++;
            } else if (lastStarter >= 0) {
                out.get(lastStarter)[1] += p[1] - 1;
            } else {
                out.add(new int[] {cp, p[1]});
            }
        }
        return out;
    }

    private static int firstOf(int cp) {
        int[] d = decomposition(cp, false);
        return d == null ? cp : d[0];
    }
}
