package dev.graft.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Each supported normalizer and pre-tokenizer against the Hugging Face library, through a
 * character-level WordPiece vocabulary (every character of the inputs in every normal form, plain
 * and {@code ##}), so that offsets show exactly where each normalized character came from.
 */
class ComponentParityTest {
    private static final ObjectMapper M = new ObjectMapper();

    private static final String[] NORMALIZERS = {
        "{\"type\": \"NFC\"}", "{\"type\": \"NFD\"}", "{\"type\": \"NFKC\"}", "{\"type\": \"NFKD\"}",
        "{\"type\": \"Lowercase\"}",
        "{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFD\"}, {\"type\": \"StripAccents\"}, {\"type\": \"Lowercase\"}]}",
        "{\"type\": \"BertNormalizer\", \"clean_text\": true, \"handle_chinese_chars\": true, \"strip_accents\": false, \"lowercase\": false}",
        "{\"type\": \"BertNormalizer\", \"clean_text\": false, \"handle_chinese_chars\": false, \"strip_accents\": true, \"lowercase\": false}",
        "{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFKC\"}, {\"type\": \"BertNormalizer\", \"clean_text\": true, \"handle_chinese_chars\": true, \"strip_accents\": null, \"lowercase\": true}]}",
    };
    private static final String[] PRE_TOKENIZERS = {
        "{\"type\": \"BertPreTokenizer\"}", "{\"type\": \"Whitespace\"}", "{\"type\": \"WhitespaceSplit\"}",
        "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"WhitespaceSplit\"}, {\"type\": \"BertPreTokenizer\"}]}",
    };

    @Test
    void everyNormalizerAndPreTokenizerMatchesTheReference(@TempDir Path dir) throws Exception {
        List<String> inputs = TestTexts.parityInputs(900, 53);
        TreeSet<String> chars = new TreeSet<>();
        for (String text : inputs) {
            for (Normalizer.Form f : Normalizer.Form.values()) {
                for (String s : List.of(text, text.toLowerCase(Locale.ROOT))) {
                    Normalizer.normalize(s, f).codePoints().forEach(cp -> chars.add(new String(Character.toChars(cp))));
                }
            }
        }
        chars.remove("x"); // leave one character out so that [UNK] words occur
        int combination = 0;
        for (String normalizer : NORMALIZERS) {
            for (String pre : PRE_TOKENIZERS) {
                if (combination++ % 2 == 1 && !pre.contains("Bert")) {
                    continue; // every normalizer with the BERT pre-tokenizer, half with the others
                }
                ObjectNode root = M.createObjectNode();
                root.put("version", "1.0");
                root.putNull("truncation");
                root.putNull("padding");
                root.putArray("added_tokens").addObject().put("id", 0).put("content", "[UNK]")
                        .put("single_word", false).put("lstrip", false).put("rstrip", false).put("normalized", false)
                        .put("special", true);
                root.set("normalizer", M.readTree(normalizer));
                root.set("pre_tokenizer", M.readTree(pre));
                root.putNull("post_processor");
                root.putNull("decoder");
                ObjectNode model = root.putObject("model");
                model.put("type", "WordPiece").put("unk_token", "[UNK]").put("continuing_subword_prefix", "##")
                        .put("max_input_chars_per_word", 100);
                ObjectNode vocab = model.putObject("vocab");
                vocab.put("[UNK]", 0);
                for (String c : chars) {
                    vocab.put(c, vocab.size());
                    vocab.put("##" + c, vocab.size());
                }
                Path file = dir.resolve("component-" + combination + ".json");
                M.writeValue(file.toFile(), root);
                Tokenizer graft = Tokenizer.load(file);
                Parity parity = new Parity();
                try (HuggingFaceOracle oracle = HuggingFaceOracle.load(file)) {
                    for (int i = 0; i < inputs.size(); i += 4) {
                        String text = inputs.get(i);
                        parity.compare(normalizer + " + " + pre, text, graft.encode(text), oracle.encode(text, false));
                    }
                }
                parity.assertNoMismatch();
            }
        }
    }
}
