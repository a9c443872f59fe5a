package dev.graft.tokenizer;

import dev.graft.model.KnownModels;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tokenizer.json of each model {@code graft import} knows by name, loaded by graft, against the
 * Hugging Face library on the same file: same ids, tokens, offsets, word indices, types and masks,
 * for single texts and pairs. English texts for the English models; for bge-small-zh (WordPiece over
 * characters), Chinese with Latin words, digits and punctuation mixed in, and the English texts too.
 */
class KnownModelTokenizersParityTest {
    @ParameterizedTest
    @ValueSource(strings = {"bge-small-en", "e5-small", "bge-small-zh"})
    void sameEncodingsAsTheReference(String name, @TempDir Path dir) throws Exception {
        KnownModels.Known known = KnownModels.find(name);
        Path json = Parity.resource(known.tokenizerEntry(), dir);
        Tokenizer graft = Tokenizer.load(json);
        List<String> inputs = new ArrayList<>(TestTexts.parityInputs(800, 29));
        if (known.languages().equals("zh")) {
            inputs.addAll(chinese());
        }
        Parity parity = new Parity();
        try (HuggingFaceOracle oracle = HuggingFaceOracle.load(json)) {
            for (int i = 0; i < inputs.size(); i++) {
                String text = inputs.get(i);
                boolean special = i % 2 == 0;
                parity.compare("encode(special=" + special + ")", text, graft.encode(text, special),
                        oracle.encode(text, special));
                if (i % 5 == 0) {
                    String second = inputs.get((i + 7) % inputs.size());
                    parity.compare("encodePair", text, second, graft.encodePair(text, second, true),
                            oracle.encodePair(text, second, true));
                }
            }
        }
        parity.assertNoMismatch();
        assertThat(parity.compared()).isGreaterThan(900);
    }

    private static List<String> chinese() throws Exception {
        try (InputStream in = KnownModelTokenizersParityTest.class.getResourceAsStream("/dev/graft/model/zh-sample.txt")) {
            if (in == null) {
                throw new java.io.IOException("test fixture dev/graft/model/zh-sample.txt is missing");
            }
            List<String> lines = Arrays.stream(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"))
                    .filter(s -> !s.isBlank()).toList();
            List<String> out = new ArrayList<>(lines);
            for (String l : lines) { // each again with full-width and half-width punctuation swapped
                out.add(l.replace('，', ',').replace('。', '.') + " ＡＢＣ１２３ ｈｅｌｌｏ");
            }
            return out;
        }
    }
}
