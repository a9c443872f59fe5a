package dev.graft.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.io.Utf8Lines;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Path;

/** JSON Lines helpers shared by the readers and writers. */
final class JsonLines {
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private JsonLines() {
    }

    /** A JSON object and the line it was read from. */
    record ObjectLine(Utf8Lines.Line line, JsonNode node) {
        long number() {
            return line.number();
        }

        /** The value of {@code field} as the record's id, or "line-N" when it has none. */
        String id(String field) {
            JsonNode id = node.get(field);
            return id != null && id.isValueNode() && !id.isNull() ? id.asText() : "line-" + number();
        }

        /**
         * The non-blank string field {@code field}, or null after {@linkplain BadInput#missingField rejecting}
         * the record; {@code option} is the command's option naming the field.
         */
        String text(Path file, String field, String option, BadInput badInput) {
            JsonNode text = node.get(field);
            if (text == null || !text.isTextual() || text.asText().isBlank()) {
                badInput.reject(badInput.missingField(file, number(), text == null ? "no" : "an empty or non-string",
                        field, option));
                return null;
            }
            return text.asText();
        }
    }

    /** The next non-blank line of {@code lines} as a JSON object (malformed ones rejected), or null at the end. */
    static ObjectLine nextObject(Utf8Lines lines, BadInput badInput) throws IOException {
        Utf8Lines.Line l;
        while ((l = lines.next()) != null) {
            if (l.text().isBlank()) {
                continue;
            }
            JsonNode node = parseObject(lines.file(), l, badInput);
            if (node != null) {
                return new ObjectLine(l, node);
            }
        }
        return null;
    }

    /** Parses {@code line} as one JSON object, or rejects it as malformed (returning null when skipping). */
    private static JsonNode parseObject(Path file, Utf8Lines.Line line, BadInput badInput) {
        JsonNode node;
        try {
            node = JSON.readTree(line.text());
        } catch (JsonProcessingException e) {
            String why = e.getOriginalMessage();
            badInput.reject(new BadInputException(file, line.number(), BadInput.Kind.MALFORMED_JSON,
                    "malformed JSON (" + why + " at column " + e.getLocation().getColumnNr() + ")",
                    "each line must be one complete JSON object; fix the line" + badInput.orSkip("records")));
            return null;
        }
        if (node == null || !node.isObject()) {
            badInput.reject(new BadInputException(file, line.number(), BadInput.Kind.MALFORMED_JSON,
                    "malformed JSON: the line is not a JSON object",
                    "each line must be one JSON object like {\"text\": ..., \"label\": ...}; fix it" + badInput.orSkip("records")));
            return null;
        }
        return node;
    }

    /** Writes a classification example as one JSON line: id, text, label, then the extra fields. */
    static void write(BufferedWriter out, ClassificationExample e) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", e.id());
        o.put("text", e.text());
        o.put("label", e.label());
        e.fields().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(f -> o.put(f.getKey(), f.getValue()));
        out.write(JSON.writeValueAsString(o));
        out.write('\n');
    }

    /** Writes a tagging example as one JSON line: id, tokens, tags. */
    static void write(BufferedWriter out, TaggingExample e) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", e.id());
        ArrayNode tokens = o.putArray("tokens");
        e.tokens().forEach(tokens::add);
        ArrayNode tags = o.putArray("tags");
        e.tags().forEach(tags::add);
        out.write(JSON.writeValueAsString(o));
        out.write('\n');
    }
}
