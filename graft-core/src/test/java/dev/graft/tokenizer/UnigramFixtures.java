package dev.graft.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.text.Normalizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Hand-made SentencePiece-style {@code tokenizer.json} files for parity tests: a Unigram vocabulary
 * drawn from the test texts (every character but a few, so that unknown runs occur, plus seeded
 * substrings of the words with seeded scores, some equal, so that ties occur), an NFKC-like
 * charsmap compiled by {@link Precompiled#build}, Metaspace and an XLM-R style template.
 */
final class UnigramFixtures {
    private UnigramFixtures() {
    }

    static final ObjectMapper M = new ObjectMapper();
    /** Characters left out of the vocabulary so that unknown pieces occur. */
    static final String LEFT_OUT = "xQ😀ح";

    /** The charsmap rules: NFKC of every character of the texts that NFKC changes, and a few more. */
    static Map<String, String> charsmapRules(List<String> texts) {
        Map<String, String> rules = new TreeMap<>();
        TreeSet<Integer> chars = new TreeSet<>();
        for (String t : texts) {
            t.codePoints().forEach(chars::add);
        }
        for (int cp : chars) {
            String c = new String(Character.toChars(cp));
            String n = Normalizer.normalize(c, Normalizer.Form.NFKC);
            if (!n.equals(c)) {
                rules.put(c, n);
            }
        }
        rules.put("e\u0301", "é");        // a two-character grapheme replaced whole
        rules.put("\u200b", "");          // removed
        rules.put("\u00ad", "");          // removed
        rules.put("\t", " ");
        rules.put("\n", " ");
        rules.put("\u3000", " ");
        rules.put("\u00a0", " ");
        rules.put("Ⅻ", "XII");            // one character to three
        rules.put("ﬁ", "fi");
        return rules;
    }

    /** A Unigram tokenizer.json. */
    static ObjectNode tokenizer(List<String> texts, String prependScheme, boolean split, boolean byteFallback,
            long seed) {
        Random random = new Random(seed);
        Map<String, Double> vocab = new LinkedHashMap<>();
        vocab.put("<s>", 0.0);
        vocab.put("<pad>", 0.0);
        vocab.put("</s>", 0.0);
        vocab.put("<unk>", 0.0);
        if (byteFallback) {
            for (int b = 0; b < 256; b++) {
                if (b != 0xD8) { // one byte missing: a run containing it falls back to <unk>
                    vocab.put(String.format("<0x%02X>", b), 0.0);
                }
            }
        }
        TreeSet<String> chars = new TreeSet<>();
        TreeMap<String, Integer> substrings = new TreeMap<>();
        for (String t : texts) {
            String n = Normalizer.normalize(t, Normalizer.Form.NFKC).replace(' ', '▁');
            n.codePoints().forEach(cp -> chars.add(new String(Character.toChars(cp))));
            for (String w : ("▁" + n).split("(?=▁)")) {
                for (int len = 2; len <= 6 && len <= w.length(); len++) {
                    int start = random.nextInt(w.length() - len + 1);
                    String s = w.substring(start, start + len);
                    if (!Character.isLowSurrogate(s.charAt(0)) && !Character.isHighSurrogate(s.charAt(len - 1))) {
                        substrings.merge(s, 1, Integer::sum);
                    }
                }
            }
        }
        chars.add("▁");
        for (String c : chars) {
            if (LEFT_OUT.contains(c)) {
                continue;
            }
            vocab.put(c, -8.0 - random.nextInt(4) * 0.5); // coarse scores: ties happen
        }
        for (Map.Entry<String, Integer> e : substrings.entrySet()) {
            if (e.getValue() >= 2 && !vocab.containsKey(e.getKey())) {
                vocab.put(e.getKey(), -Math.log(1000.0 / e.getValue()) - random.nextInt(3) * 0.25);
            }
        }
        ObjectNode root = M.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        int id = 0;
        for (String s : List.of("<s>", "<pad>", "</s>", "<unk>")) {
            added.addObject().put("id", id++).put("content", s).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        ObjectNode normalizer = root.putObject("normalizer");
        normalizer.put("type", "Sequence");
        ArrayNode steps = normalizer.putArray("normalizers");
        steps.addObject().put("type", "Precompiled")
                .put("precompiled_charsmap", Precompiled.build(charsmapRules(texts)).base64());
        ObjectNode replace = steps.addObject().put("type", "Replace");
        replace.putObject("pattern").put("Regex", " {2,}");
        replace.put("content", " ");
        root.set("pre_tokenizer", metaspace(prependScheme, split));
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        post.set("single", pieces("<s>", "A", "</s>"));
        post.set("pair", pieces("<s>", "A", "</s>", "</s>", "B", "</s>"));
        ObjectNode specials = post.putObject("special_tokens");
        specials.putObject("<s>").put("id", "<s>").set("ids", M.createArrayNode().add(0));
        ((ObjectNode) specials.get("<s>")).set("tokens", M.createArrayNode().add("<s>"));
        specials.putObject("</s>").put("id", "</s>").set("ids", M.createArrayNode().add(2));
        ((ObjectNode) specials.get("</s>")).set("tokens", M.createArrayNode().add("</s>"));
        root.set("decoder", metaspace(prependScheme, split));
        ObjectNode model = root.putObject("model");
        model.put("type", "Unigram");
        model.put("unk_id", 3);
        ArrayNode v = model.putArray("vocab");
        for (Map.Entry<String, Double> e : vocab.entrySet()) {
            v.addArray().add(e.getKey()).add(e.getValue());
        }
        model.put("byte_fallback", byteFallback);
        return root;
    }

    private static ObjectNode metaspace(String prependScheme, boolean split) {
        ObjectNode o = M.createObjectNode();
        o.put("type", "Metaspace").put("replacement", "▁").put("prepend_scheme", prependScheme).put("split", split);
        return o;
    }

    private static ArrayNode pieces(String... ids) {
        ArrayNode a = M.createArrayNode();
        boolean second = false;
        for (String id : ids) {
            if (id.equals("B")) {
                second = true;
            }
            boolean sequence = id.equals("A") || id.equals("B");
            a.addObject().putObject(sequence ? "Sequence" : "SpecialToken").put("id", id).put("type_id", second ? 1 : 0);
        }
        return a;
    }
}
