package dev.graft.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.fail;

/** Compares graft with the reference, token by token, and reports every mismatch found. */
final class Parity {
    private final List<String> mismatches = new ArrayList<>();
    private int compared;

    /** Copies a classpath resource to {@code dir}; a missing resource fails (never skips). */
    static Path resource(String name, Path dir) throws IOException {
        try (InputStream in = Parity.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("parity input '" + name + "' is not on the test classpath; "
                        + "it comes from a test-scope Maven dependency in graft-core/pom.xml");
            }
            Path out = dir.resolve(name.replace('/', '_'));
            Files.copy(in, out);
            return out;
        }
    }

    void compare(String what, String text, Encoding g, HuggingFaceOracle.Result r) {
        compare(what, text, null, g, r);
    }

    /** {@code second} is the second text of a pair (its tokens' offsets are into it), or null. */
    void compare(String what, String text, String second, Encoding g, HuggingFaceOracle.Result r) {
        compared++;
        int n = g.length();
        StringBuilder diff = new StringBuilder();
        if (n != r.ids().length) {
            diff.append("length ").append(n).append(" vs ").append(r.ids().length).append("; ");
        }
        int[] seq = g.sequenceIndices();
        for (int i = 0; i < Math.min(n, r.ids().length) && diff.length() < 400; i++) {
            String source = seq[i] == 1 ? second : text;
            int s = r.starts()[i] < 0 ? -1 : HuggingFaceOracle.toCodePoints(source, g.startOffset(i));
            int e = r.starts()[i] < 0 ? -1 : HuggingFaceOracle.toCodePoints(source, g.endOffset(i));
            if (r.starts()[i] < 0 && (g.startOffset(i) != 0 || g.endOffset(i) != 0)) {
                s = -2;
            }
            boolean same = g.id(i) == r.ids()[i] && g.token(i).equals(r.tokens()[i]) && s == r.starts()[i]
                    && e == r.ends()[i] && g.wordIndex(i) == r.words()[i] && g.typeIds()[i] == r.typeIds()[i]
                    && g.specialTokenMask()[i] == r.specialMask()[i] && g.attentionMask()[i] == r.attention()[i];
            if (!same) {
                diff.append("token ").append(i).append(": graft ").append(g.token(i)).append('/').append(g.id(i))
                        .append(" [").append(s).append(',').append(e).append(") w").append(g.wordIndex(i))
                        .append(" t").append(g.typeIds()[i]).append(" s").append(g.specialTokenMask()[i])
                        .append(" a").append(g.attentionMask()[i])
                        .append(", reference ").append(r.tokens()[i]).append('/').append(r.ids()[i])
                        .append(" [").append(r.starts()[i]).append(',').append(r.ends()[i]).append(") w")
                        .append(r.words()[i]).append(" t").append(r.typeIds()[i]).append(" s")
                        .append(r.specialMask()[i]).append(" a").append(r.attention()[i]).append("; ");
            }
        }
        if (!diff.isEmpty()) {
            mismatches.add(what + " " + escape(text) + (second == null ? "" : " | " + escape(second)) + ": " + diff
                    + "\n    graft:     " + Arrays.toString(g.ids()) + "\n    reference: " + Arrays.toString(r.ids()));
        }
    }

    void compareText(String what, String input, String graft, String reference) {
        compared++;
        if (!graft.equals(reference)) {
            mismatches.add(what + " " + escape(input) + ": graft " + escape(graft) + " vs reference " + escape(reference));
        }
    }

    int compared() {
        return compared;
    }

    void assertNoMismatch() {
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " of " + compared + " inputs differ from the reference; first ones:\n"
                    + String.join("\n", mismatches.subList(0, Math.min(8, mismatches.size()))));
        }
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0xAD || cp == 0x200B || cp == 0xFEFF || cp == 0x2028) {
                sb.append(String.format("\\u%04X", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.append('"').toString();
    }
}
