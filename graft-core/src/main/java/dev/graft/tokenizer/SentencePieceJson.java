package dev.graft.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@code tokenizer.json} reading and writing of the SentencePiece-style components ({@code Unigram}
 * model, {@code Metaspace} pre-tokenizer and decoder, {@code Precompiled}, {@code Replace} and
 * {@code Prepend} normalizers), with the reference's field names and defaults. Used by
 * {@link TokenizerJson}; {@code error} turns a message into an exception that names the file.
 */
final class SentencePieceJson {
    private SentencePieceJson() {
    }

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    // ----- reading -----

    static UnigramModel unigram(JsonNode n, Function<String, IllegalArgumentException> error) {
        JsonNode vocab = n.get("vocab");
        if (vocab == null || !vocab.isArray()) {
            throw error.apply("model Unigram: \"vocab\" must be an array of [piece, score] pairs");
        }
        List<UnigramModel.Piece> pieces = new ArrayList<>(vocab.size());
        int i = 0;
        for (JsonNode p : vocab) {
            if (!p.isArray() || p.size() != 2 || !p.get(0).isTextual() || !p.get(1).isNumber()) {
                throw error.apply("model Unigram: vocab entry " + i + " is " + abbreviate(p)
                        + ", expected [piece, score] (a string and a number)");
            }
            pieces.add(new UnigramModel.Piece(p.get(0).asText(), referenceDouble(p.get(1))));
            i++;
        }
        JsonNode unk = n.get("unk_id");
        int unkId = -1;
        if (unk != null && !unk.isNull()) {
            if (!unk.canConvertToInt() || unk.asInt() < 0) {
                throw error.apply("model Unigram: \"unk_id\" must be a non-negative integer or null");
            }
            unkId = unk.asInt();
            if (unkId >= pieces.size()) {
                throw error.apply("model Unigram: unk_id " + unkId + " is outside the vocabulary of " + pieces.size()
                        + " pieces; set unk_id to the id of the unknown piece");
            }
        }
        return new UnigramModel(pieces, unkId, n.path("byte_fallback").asBoolean(false));
    }

    private static final double[] POW10 = new double[309];

    static {
        for (int i = 0; i < POW10.length; i++) {
            POW10[i] = Double.parseDouble("1e" + i);
        }
    }

    /**
     * A JSON number as the reference's JSON reader ({@code serde_json} without its
     * {@code float_roundtrip} option) turns it into a double: the decimal digits as an unsigned
     * 64-bit integer (digits past that are dropped), converted to double, then one multiplication
     * or division by a power of ten. For a number with 17 significant digits this can be one unit
     * in the last place off the correctly rounded value, and a Unigram segmentation can turn on that
     * unit; reading as the reference reads keeps graft's segmentation identical.
     */
    static double referenceDouble(JsonNode n) {
        if (!n.isBigDecimal()) {
            return n.asDouble();
        }
        java.math.BigDecimal d = n.decimalValue();
        boolean negative = d.signum() < 0;
        String digits = d.unscaledValue().abs().toString();
        int exponent = -d.scale();
        long significand = 0;
        int kept = 0;
        for (; kept < digits.length(); kept++) {
            int digit = digits.charAt(kept) - '0';
            // serde_json's overflow!(significand * 10 + digit, u64::MAX)
            if (Long.compareUnsigned(significand, Long.divideUnsigned(-1L, 10)) > 0
                    || (significand == Long.divideUnsigned(-1L, 10) && digit > 5)) {
                break;
            }
            significand = significand * 10 + digit;
        }
        exponent += digits.length() - kept;
        double f = significand >= 0 ? (double) significand
                : new java.math.BigDecimal(Long.toUnsignedString(significand)).doubleValue();
        while (true) {
            int e = Math.abs(exponent);
            if (e < POW10.length) {
                f = exponent >= 0 ? f * POW10[e] : f / POW10[e];
                break;
            }
            if (f == 0.0) {
                break;
            }
            if (exponent >= 0) {
                return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            }
            f /= 1e308;
            exponent += 308;
        }
        return negative ? -f : f;
    }

    private static String abbreviate(JsonNode p) {
        String s = p.toString();
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    /** The Metaspace pre-tokenizer's or decoder's fields: {replacement, scheme, split}. */
    private record MetaspaceFields(int replacement, Metaspace.PrependScheme scheme, boolean split) {
    }

    private static MetaspaceFields metaspace(JsonNode n, String component,
            Function<String, IllegalArgumentException> error) {
        JsonNode r = n.get("replacement");
        if (r == null || !r.isTextual() || r.asText().codePointCount(0, r.asText().length()) != 1) {
            throw error.apply(component + " Metaspace: \"replacement\" must be a string of one character");
        }
        Metaspace.PrependScheme scheme = Metaspace.PrependScheme.ALWAYS;
        JsonNode s = n.get("prepend_scheme");
        if (s != null && !s.isNull()) {
            scheme = Metaspace.PrependScheme.of(s.asText());
            if (scheme == null) {
                throw error.apply(component + " Metaspace: prepend_scheme '" + s.asText()
                        + "' is not one of always, first, never");
            }
        }
        JsonNode add = n.get("add_prefix_space");
        if (add != null && add.isBoolean() && !add.asBoolean()) {
            scheme = Metaspace.PrependScheme.NEVER; // the reference's reading of older files
        }
        JsonNode split = n.get("split");
        return new MetaspaceFields(r.asText().codePointAt(0), scheme, split == null || split.isNull() || split.asBoolean());
    }

    static Metaspace.Split metaspaceSplit(JsonNode n, Function<String, IllegalArgumentException> error) {
        MetaspaceFields f = metaspace(n, "pre_tokenizer", error);
        return new Metaspace.Split(f.replacement(), f.scheme(), f.split());
    }

    static Metaspace.Decode metaspaceDecoder(JsonNode n, Function<String, IllegalArgumentException> error) {
        MetaspaceFields f = metaspace(n, "decoder", error);
        return new Metaspace.Decode(f.replacement(), f.scheme(), f.split());
    }

    static Precompiled precompiled(JsonNode n, Function<String, IllegalArgumentException> error) {
        JsonNode c = n.get("precompiled_charsmap");
        if (c == null || !c.isTextual()) {
            throw error.apply("normalizer Precompiled: \"precompiled_charsmap\" must be a base64 string");
        }
        try {
            return Precompiled.fromBase64(c.asText());
        } catch (IllegalArgumentException e) {
            throw error.apply("normalizer Precompiled: " + e.getMessage()
                    + "; regenerate the file from the SentencePiece model");
        }
    }

    static SentencePieceNormalizers.Replace replace(JsonNode n, Function<String, IllegalArgumentException> error) {
        JsonNode p = n.get("pattern");
        JsonNode content = n.get("content");
        if (content == null || !content.isTextual()) {
            throw error.apply("normalizer Replace: \"content\" must be a string");
        }
        String pattern;
        boolean regex;
        if (p != null && p.isObject() && p.hasNonNull("String")) {
            pattern = p.get("String").asText();
            regex = false;
        } else if (p != null && p.isObject() && p.hasNonNull("Regex")) {
            pattern = p.get("Regex").asText();
            regex = true;
        } else {
            throw error.apply("normalizer Replace: \"pattern\" must be {\"String\": ...} or {\"Regex\": ...}");
        }
        try {
            return new SentencePieceNormalizers.Replace(pattern, regex, content.asText());
        } catch (IllegalArgumentException e) {
            throw error.apply("normalizer Replace: " + e.getMessage());
        }
    }

    static SentencePieceNormalizers.Prepend prepend(JsonNode n, Function<String, IllegalArgumentException> error) {
        JsonNode p = n.get("prepend");
        if (p == null || !p.isTextual()) {
            throw error.apply("normalizer Prepend: \"prepend\" must be a string");
        }
        return new SentencePieceNormalizers.Prepend(p.asText());
    }

    // ----- writing -----

    static ObjectNode write(UnigramModel m) {
        ObjectNode o = F.objectNode();
        o.put("type", "Unigram");
        if (m.unknownId >= 0) {
            o.put("unk_id", m.unknownId);
        } else {
            o.putNull("unk_id");
        }
        ArrayNode vocab = o.putArray("vocab");
        for (UnigramModel.Piece p : m.pieces()) {
            vocab.addArray().add(p.piece()).add(p.score());
        }
        o.put("byte_fallback", m.byteFallback);
        return o;
    }

    static ObjectNode write(Metaspace.Split s) {
        return metaspace(s.replacement(), s.prependScheme(), s.split());
    }

    static ObjectNode write(Metaspace.Decode d) {
        return metaspace(d.replacement(), d.prependScheme(), d.split());
    }

    private static ObjectNode metaspace(int replacement, Metaspace.PrependScheme scheme, boolean split) {
        ObjectNode o = F.objectNode();
        o.put("type", "Metaspace");
        o.put("replacement", new String(Character.toChars(replacement)));
        o.put("prepend_scheme", scheme.json());
        o.put("split", split);
        return o;
    }

    static ObjectNode write(Precompiled p) {
        ObjectNode o = F.objectNode();
        o.put("type", "Precompiled");
        o.put("precompiled_charsmap", p.base64());
        return o;
    }

    static ObjectNode write(SentencePieceNormalizers.Replace r) {
        ObjectNode o = F.objectNode();
        o.put("type", "Replace");
        o.putObject("pattern").put(r.regex() ? "Regex" : "String", r.pattern());
        o.put("content", r.content());
        return o;
    }

    static ObjectNode write(SentencePieceNormalizers.Prepend p) {
        ObjectNode o = F.objectNode();
        o.put("type", "Prepend");
        o.put("prepend", p.prepend());
        return o;
    }
}
