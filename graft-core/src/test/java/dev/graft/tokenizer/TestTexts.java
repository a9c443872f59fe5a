package dev.graft.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Inputs for parity tests: the committed KJV sample and seeded generated text. */
final class TestTexts {
    private TestTexts() {
    }

    /** The committed sample (see resources/dev/graft/tokenizer/README.md); a missing file fails the test. */
    static List<String> kjvSample() throws IOException {
        try (InputStream in = TestTexts.class.getResourceAsStream("kjv-sample.txt")) {
            if (in == null) {
                throw new IOException("test fixture dev/graft/tokenizer/kjv-sample.txt is missing from the test classpath");
            }
            List<String> lines = Arrays.asList(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
            if (lines.size() < 300) {
                throw new IOException("test fixture kjv-sample.txt has only " + lines.size() + " lines");
            }
            return lines;
        }
    }

    /** Pieces that exercise normalization, splitting and offsets. */
    static final String[] SPECIMENS = {
        "café", "naïve", "Ångström", "résumé", "façade", "Straße", "İstanbul", "ĲSSELMEER", "Ωmega", "σοφία", "ΣΟΦΙΑ",
        "Москва", "привет", "日本語", "中文字符", "漢字", "ひらがな", "カタカナ", "한국어", "안녕하세요", "עברית", "العربية",
        "हिन्दी", "ไทย", "😀", "👍🏽", "👨‍👩‍👧", "🇫🇷", "❤️", "e\u0301", "a\u0323\u0302", "o\u0308\u0304", "n\u0303",
        "\u00a0", "\u2003", "\u3000", "\t", "\u200b", "\u00ad", "\u0007", "\ufeff", "3.14", "1,000,000", "x²", "½",
        "Ⅻ", "—", "–", "“quoted”", "‘single’", "«guillemets»", "...", "!?", "#hashtag", "@user", "e-mail@example.org",
        "http://example.org/a?b=c", "don't", "I'll", "we're", "they've", "it's", "O'Neil", "'S", "ﬁ", "㎏", "①",
        "Ｆｕｌｌ", "\uFB01nance", "$100", "€5", "¥", "50%", "C++", "α→β", "∑x", "⟨x⟩", "°C", "§3", "\\path",
        "under_score", "CamelCase", "UPPER", "MiXeD", "tab\there", "line\nbreak", "cr\rlf", "  ", "\u2028",
        "supercalifragilisticexpialidocious", "pneumonoultramicroscopicsilicovolcanoconiosis",
        "a".repeat(101), "b".repeat(99) + "é", "😀".repeat(30), "\u0645\u0631\u062d\u0628\u0627",
        "<mask>", "x<mask>", " \t<mask>", "Lordship", "theLord",
    };

    /** {@code count} generated lines: sample words mixed with specimens, seeded. */
    static List<String> generated(List<String> sample, int count, long seed) {
        Random random = new Random(seed);
        List<String> words = new ArrayList<>();
        for (String line : sample) {
            words.addAll(Arrays.asList(line.split(" ")));
        }
        String[] spaces = {" ", " ", " ", " ", "  ", "\t", " \n", "\u00a0", "", "\u3000"};
        List<String> out = new ArrayList<>(count);
        out.add("");
        out.add(" ");
        out.add("   leading and trailing   ");
        out.add("[CLS] already [SEP] has [MASK] tokens [UNK] [PAD]");
        out.add("<|endoftext|>two documents<|endoftext|> joined");
        while (out.size() < count) {
            int n = 1 + random.nextInt(25);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    sb.append(spaces[random.nextInt(spaces.length)]);
                }
                int kind = random.nextInt(10);
                if (kind < 6) {
                    String w = words.get(random.nextInt(words.size()));
                    sb.append(switch (random.nextInt(6)) {
                        case 0 -> w.toUpperCase(java.util.Locale.ROOT);
                        case 1 -> w.toLowerCase(java.util.Locale.ROOT);
                        default -> w;
                    });
                } else if (kind < 9) {
                    sb.append(SPECIMENS[random.nextInt(SPECIMENS.length)]);
                } else {
                    // glue a specimen to a word
                    sb.append(words.get(random.nextInt(words.size())))
                            .append(SPECIMENS[random.nextInt(SPECIMENS.length)]);
                }
            }
            out.add(sb.toString());
        }
        return out;
    }

    /** The sample followed by generated lines: {@code total} lines in all. */
    static List<String> parityInputs(int total, long seed) throws IOException {
        List<String> sample = kjvSample();
        List<String> all = new ArrayList<>(sample);
        all.addAll(generated(sample, total - sample.size(), seed));
        return all;
    }
}
