package dev.graft.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The decoders graft reads and writes in {@code tokenizer.json}: they turn tokens back into text,
 * with the semantics of the Hugging Face types of the same names.
 */
final class Decoders {
    private Decoders() {
    }

    /** A decoder step over the token strings; the final strings are concatenated. */
    sealed interface Decoder permits ByteLevelDecoder, WordPiece, Sequence, Metaspace.Decode {
        List<String> decodeChain(List<String> tokens);
    }

    /** Byte-level characters back to bytes, then UTF-8 (ill-formed bytes become U+FFFD). */
    record ByteLevelDecoder(boolean addPrefixSpace, boolean trimOffsets, boolean useRegex) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String t : tokens) {
                boolean all = true;
                for (int i = 0; i < t.length(); i++) {
                    if (ByteLevel.byteOf(t.charAt(i)) < 0) {
                        all = false;
                        break;
                    }
                }
                if (all) {
                    for (int i = 0; i < t.length(); i++) {
                        bytes.write(ByteLevel.byteOf(t.charAt(i)));
                    }
                } else {
                    bytes.writeBytes(t.getBytes(StandardCharsets.UTF_8));
                }
            }
            return List.of(Utf8.decodeLossy(bytes.toByteArray()));
        }
    }

    /** WordPiece: join with spaces, glue continuation pieces, optionally clean up tokenization spaces. */
    record WordPiece(String prefix, boolean cleanup) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                if (i != 0) {
                    t = t.startsWith(prefix) ? t.substring(prefix.length()) : " " + t;
                }
                out.add(cleanup ? cleanup(t) : t);
            }
            return out;
        }

        /** The reference's {@code cleanup}: spaces before punctuation and contractions. */
        static String cleanup(String s) {
            return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                    .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't")
                    .replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re");
        }
    }

    /** Decoders applied in order. */
    record Sequence(List<Decoder> decoders) implements Decoder {
        Sequence {
            decoders = List.copyOf(decoders);
        }

        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> t = tokens;
            for (Decoder d : decoders) {
                t = d.decodeChain(t);
            }
            return t;
        }
    }
}
