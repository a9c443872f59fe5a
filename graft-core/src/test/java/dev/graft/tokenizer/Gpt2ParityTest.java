package dev.graft.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parity case 3: the GPT-2 vocabulary (50,257 tokens, 50,000 merges) as tokenizer.json, encoded
 * by graft and by the Hugging Face library: GPT-2's own configuration, and a RoBERTa-style one
 * (prefix space, trimmed offsets, template) to cover those paths.
 */
class Gpt2ParityTest {
    private static final ObjectMapper M = new ObjectMapper();

    @Test
    void gpt2ConfigurationMatchesTheReference(@TempDir Path dir) throws Exception {
        Path json = Gpt2Vocabulary.write(dir.resolve("gpt2.json"),
                Gpt2Vocabulary.byteLevel(M, "ByteLevel", false, true),
                Gpt2Vocabulary.byteLevel(M, "ByteLevel", true, false));
        Tokenizer graft = Tokenizer.load(json);
        assertThat(graft.vocabularySize()).isEqualTo(50257);
        assertThat(graft.encode("Hello world").ids()).containsExactly(15496, 995);
        assertThat(graft.specialTokens().endOfText()).hasValue(50256);
        run(graft, json, 1500, true);
    }

    @Test
    void robertaStyleConfigurationMatchesTheReference(@TempDir Path dir) throws Exception {
        ObjectNode roberta = M.createObjectNode();
        roberta.put("type", "RobertaProcessing");
        roberta.putArray("sep").add("<|endoftext|>").add(50256);
        roberta.putArray("cls").add("<|endoftext|>").add(50256);
        roberta.put("trim_offsets", true).put("add_prefix_space", true);
        Path json = Gpt2Vocabulary.write(dir.resolve("roberta-style.json"),
                Gpt2Vocabulary.byteLevel(M, "ByteLevel", true, true), roberta);
        // added tokens with every option: RoBERTa's <mask> strips spaces on its left; a whole-word
        // token matched after normalization; a token that strips spaces on its right
        ObjectNode root = (ObjectNode) M.readTree(json.toFile());
        var added = (com.fasterxml.jackson.databind.node.ArrayNode) root.get("added_tokens");
        added.addObject().put("id", 50257).put("content", "<mask>").put("single_word", false).put("lstrip", true)
                .put("rstrip", false).put("normalized", false).put("special", true);
        added.addObject().put("id", 50258).put("content", "Lord").put("single_word", true).put("lstrip", false)
                .put("rstrip", false).put("normalized", true).put("special", false);
        added.addObject().put("id", 50259).put("content", "earth").put("single_word", false).put("lstrip", false)
                .put("rstrip", true).put("normalized", false).put("special", false);
        M.writeValue(json.toFile(), root);
        Tokenizer graft = Tokenizer.load(json);
        // "Lord" and "earth" are GPT-2 tokens already: they keep their ids (the file's ids are not used)
        assertThat(graft.vocabularySize()).isEqualTo(50258);
        assertThat(graft.tokenToId("Lord")).hasValue(22438);
        assertThat(graft.specialTokens().mask()).hasValue(50257);
        run(graft, json, 700, true);
    }

    private static void run(Tokenizer graft, Path json, int count, boolean decode) throws Exception {
        List<String> inputs = TestTexts.parityInputs(count, 23);
        Parity parity = new Parity();
        try (HuggingFaceOracle oracle = HuggingFaceOracle.load(json)) {
            for (int i = 0; i < inputs.size(); i++) {
                String text = inputs.get(i);
                boolean special = i % 2 == 0;
                Encoding e = graft.encode(text, special);
                parity.compare("encode(special=" + special + ")", text, e, oracle.encode(text, special));
                if (i % 7 == 0 && i + 1 < inputs.size()) {
                    String second = inputs.get(i + 1);
                    parity.compare("encodePair", text, second, graft.encodePair(text, second, true),
                            oracle.encodePair(text, second, true));
                }
                if (decode && i % 3 == 0) {
                    parity.compareText("decode", text, graft.decode(e.ids()), oracle.decode(e.ids(), false));
                }
            }
        }
        parity.assertNoMismatch();
    }
}
