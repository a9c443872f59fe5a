package dev.graft.data;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The standard mapping of Brown corpus tags to the 12-tag universal tagset of Petrov, Das and McDonald
 * ("A Universal Part-of-Speech Tagset", LREC 2012, arXiv:1104.2086; the {@code en-brown} mapping that
 * NLTK applies with {@code brown.tagged_words(tagset='universal')}). Written as rules over the tag's
 * parts rather than a list of all 472 tags:
 *
 * <ol>
 *   <li>{@code FW-...} (foreign word) gives {@code X}.</li>
 *   <li>The modifiers {@code -TL} (title), {@code -HL} (headline), {@code -NC} (cited word), also
 *       truncated ({@code -T}, {@code -H}, {@code -N}), are removed from the end.</li>
 *   <li>A contraction {@code A+B}: three or more parts, or {@code DO+PPSS}, give {@code X}; a first part
 *       that is a wh-word ({@code WDT}, {@code WP*}, {@code WRB}) gives {@code PRT}; a second part that is
 *       a verb or modal after a first part that is not ("he'll" {@code PPS+MD}, "there's"
 *       {@code EX+BEZ}) gives {@code PRT}; otherwise the first part's tag ("gonna" {@code VBG+TO} gives
 *       {@code VERB}).</li>
 *   <li>Otherwise the base tag's entry in {@link #BASE}; a tag not there gives {@code X} (as in NLTK).</li>
 * </ol>
 *
 * Checked against the universal-tag counts NLTK's book publishes for the news category (chapter 5,
 * section 2.3): every class agrees except NOUN, 30,654 here against 30,640 there, where that table also
 * sums to 14 fewer tokens than the category holds (see docs/DATA.md).
 */
public final class BrownUniversalTags {
    /** The 12 universal tags. */
    public static final List<String> TAGS = List.of("ADJ", "ADP", "ADV", "CONJ", "DET", "NOUN", "NUM", "PRON", "PRT",
            "VERB", "X", ".");

    /** Base Brown tags (lower case, no modifiers) to universal tags. */
    static final Map<String, String> BASE = new HashMap<>();

    static {
        put("VERB", "be bed bed* bedz bedz* beg bem bem* ben ber ber* bez bez* do do* dod dod* doz doz* hv hv* hvd "
                + "hvd* hvg hvn hvz hvz* md md* vb vbd vbg vbn vbz");
        put("NOUN", "nn nn$ nns nns$ np np$ nps nps$ nr nr$ nrs nrs$ pn pn$ cd$");
        put("PRON", "ppl ppls ppo pps ppss pp$$ wpo wps");
        put("DET", "abx at dt dt$ dti dts dtx pp$ wdt wp$");
        put("ADJ", "ap jj jjr jjs jjt od");
        put("ADV", "* ql qlp rb rbr rbt rn wql wrb");
        put("ADP", "in cs");
        put("CONJ", "cc");
        put("NUM", "cd");
        put("PRT", "abl abn ap$ jj$ rb$ rp to uh ex");
        put("X", "nil");
        put(".", "( ) , -- . : ' '' `` ! ? ;");
    }

    private static void put(String universal, String tags) {
        for (String t : tags.split(" ")) {
            BASE.put(t, universal);
        }
    }

    private BrownUniversalTags() {
    }

    /** The universal tag of a Brown tag (any case), e.g. "nn-tl" gives "NOUN", "pps+md" gives "PRT". */
    public static String map(String brownTag) {
        String t = brownTag.toLowerCase(Locale.ROOT);
        if (t.startsWith("fw-")) {
            return "X";
        }
        t = stripModifiers(t);
        if (t.indexOf('+') > 0) {
            String[] parts = t.split("\\+");
            if (parts.length > 2 || (parts[0].equals("do") && parts[1].equals("ppss"))) {
                return "X";
            }
            String first = stripModifiers(parts[0]);
            String second = stripModifiers(parts[1]);
            if (first.equals("wdt") || first.startsWith("wp") || first.equals("wrb")) {
                return "PRT";
            }
            boolean firstVerb = "VERB".equals(BASE.get(first));
            boolean secondVerb = "VERB".equals(BASE.get(second));
            if (secondVerb && !firstVerb) {
                return "PRT";
            }
            return BASE.getOrDefault(first, "X");
        }
        return BASE.getOrDefault(t, "X");
    }

    private static String stripModifiers(String tag) {
        String t = tag;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (String suffix : new String[] {"-tl", "-hl", "-nc", "-t", "-h", "-n"}) {
                if (t.length() > suffix.length() && t.endsWith(suffix)) {
                    t = t.substring(0, t.length() - suffix.length());
                    changed = true;
                    break;
                }
            }
        }
        return t;
    }
}
