package dev.graft.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.io.Utf8Lines;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Reads a labeled classification file into memory.
 *
 * <ul>
 *   <li>{@code .jsonl}: one object per line with a text field and a label field (names configurable,
 *       default {@code text}, {@code label}); optional {@code id}; other scalar fields are kept as
 *       {@linkplain ClassificationExample#fields() extra fields}. A number or boolean label is taken as
 *       its text ({@code 1} gives "1").</li>
 *   <li>{@code .csv} / {@code .tsv}: a header row naming the columns, then one record per row, parsed by
 *       Apache Commons CSV (RFC 4180 quoting, embedded newlines and delimiters in quoted fields, a UTF-8
 *       byte-order mark dropped). Other columns are kept as extra fields.</li>
 *   <li>Any of them gzip-compressed ({@code .gz}).</li>
 * </ul>
 *
 * When {@link Options#knownLabels()} is set (evaluation data), a label outside it is bad input. An id
 * missing from the file is made from the line number ("line-7"). Bad records follow the
 * {@link BadInput} policy; a header without the text or label column is always an error.
 */
public final class ClassificationReader {
    /** File formats; {@link #AUTO} chooses by extension ({@code .csv}, {@code .tsv}, else JSON Lines). */
    public enum Format { AUTO, JSONL, CSV, TSV }

    /** The extra field a pair's second text is kept in ({@link Options#pairField()}). */
    public static final String TEXT_PAIR = "text_pair";

    /**
     * @param format       file format
     * @param textField    field or column holding the text
     * @param labelField   field or column holding the label
     * @param idField      field or column holding the id (optional in the file)
     * @param knownLabels  when not null, labels outside this set are bad input (evaluation data)
     * @param maxLineBytes lines (physical lines, for CSV) longer than this are bad input
     * @param pairField    when not null, the field or column holding the second text of a pair, required in
     *                     every record and kept as the extra field {@value #TEXT_PAIR}
     */
    public record Options(Format format, String textField, String labelField, String idField, LabelSet knownLabels,
                          int maxLineBytes, String pairField) {
        public Options {
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(textField, "textField");
            Objects.requireNonNull(labelField, "labelField");
            Objects.requireNonNull(idField, "idField");
            if (textField.equals(labelField)) {
                throw new IllegalArgumentException("the text and label columns are both '" + textField + "'");
            }
            if (pairField != null && (pairField.equals(textField) || pairField.equals(labelField))) {
                throw new IllegalArgumentException("the second text's column '" + pairField + "' is also the text or "
                        + "label column");
            }
        }

        public Options(Format format, String textField, String labelField, String idField, LabelSet knownLabels,
                       int maxLineBytes) {
            this(format, textField, labelField, idField, knownLabels, maxLineBytes, null);
        }

        public static Options defaults() {
            return new Options(Format.AUTO, "text", "label", "id", null, DataFiles.DEFAULT_MAX_LINE_BYTES);
        }

        public Options withFormat(Format f) {
            return new Options(f, textField, labelField, idField, knownLabels, maxLineBytes, pairField);
        }

        public Options withColumns(String text, String label) {
            return new Options(format, text, label, idField, knownLabels, maxLineBytes, pairField);
        }

        public Options withKnownLabels(LabelSet labels) {
            return new Options(format, textField, labelField, idField, labels, maxLineBytes, pairField);
        }

        public Options withMaxLineBytes(int m) {
            return new Options(format, textField, labelField, idField, knownLabels, m, pairField);
        }

        /** Pairs of texts: the second text in {@code field}, required in every record. */
        public Options withPairField(String field) {
            return new Options(format, textField, labelField, idField, knownLabels, maxLineBytes, field);
        }
    }

    private ClassificationReader() {
    }

    /** Reads {@code file} with the default options, failing on the first bad record. */
    public static List<ClassificationExample> read(Path file) throws IOException {
        return read(file, Options.defaults(), BadInput.strict());
    }

    /** Reads {@code file}. */
    public static List<ClassificationExample> read(Path file, Options options, BadInput badInput) throws IOException {
        long skippedBefore = badInput.skipped();
        Format format = options.format() == Format.AUTO ? detect(file) : options.format();
        List<ClassificationExample> out = switch (format) {
            case JSONL -> readJsonl(file, options, badInput);
            case CSV -> readCsv(file, options, badInput, ',');
            case TSV -> readCsv(file, options, badInput, '\t');
            case AUTO -> throw new AssertionError();
        };
        badInput.finishFile(file, out != null && out.isEmpty(), "examples", "records", skippedBefore);
        return out == null ? List.of() : out; // null: an empty CSV file, already reported
    }

    /** The format chosen by {@link Format#AUTO}: by the extension without {@code .gz}. */
    public static Format detect(Path file) {
        return switch (DataFiles.extension(file)) {
            case "csv" -> Format.CSV;
            case "tsv", "tab" -> Format.TSV;
            default -> Format.JSONL;
        };
    }

    private static List<ClassificationExample> readJsonl(Path file, Options o, BadInput badInput) throws IOException {
        List<ClassificationExample> out = new ArrayList<>();
        try (Utf8Lines lines = badInput.lines(file, o.maxLineBytes())) {
            JsonLines.ObjectLine l;
            while ((l = JsonLines.nextObject(lines, badInput)) != null) {
                JsonNode node = l.node();
                String text = l.text(file, o.textField(), "textField", badInput);
                if (text == null) {
                    continue;
                }
                JsonNode label = node.get(o.labelField());
                if (label == null || !label.isValueNode() || label.isNull() || label.asText().isBlank()) {
                    badInput.reject(badInput.missingField(file, l.number(), label == null ? "no" : "an empty or non-scalar",
                            o.labelField(), "labelField"));
                    continue;
                }
                String labelText = label.asText();
                String pair = null;
                if (o.pairField() != null) {
                    JsonNode p = node.get(o.pairField());
                    if (p == null || !p.isTextual() || p.asText().isBlank()) {
                        badInput.reject(missingPair(file, l.number(), o.pairField(),
                                p == null ? "no" : "an empty or non-string", badInput));
                        continue;
                    }
                    pair = p.asText();
                }
                if (!badInput.knownOrReject(o.knownLabels(), file, l.number(), "label", labelText, "records")) {
                    continue;
                }
                String id = l.id(o.idField());
                Map<String, String> fields = new LinkedHashMap<>();
                for (var it = node.fields(); it.hasNext(); ) {
                    var f = it.next();
                    String k = f.getKey();
                    if (k.equals(o.textField()) || k.equals(o.labelField()) || k.equals(o.idField())
                            || k.equals(o.pairField())) {
                        continue;
                    }
                    JsonNode v = f.getValue();
                    if (!v.isNull()) {
                        fields.put(k, v.isValueNode() ? v.asText() : v.toString());
                    }
                }
                if (pair != null) {
                    fields.put(TEXT_PAIR, pair);
                }
                out.add(new ClassificationExample(id, text, labelText, fields));
            }
        }
        return out;
    }

    /** The examples of a CSV/TSV file, or null when the file is empty (already reported). */
    private static List<ClassificationExample> readCsv(Path file, Options o, BadInput badInput, char delimiter)
            throws IOException {
        List<ClassificationExample> out = new ArrayList<>();
        CSVFormat format = CSVFormat.DEFAULT.builder()
                .setDelimiter(delimiter)
                .setHeader()
                .setSkipHeaderRecord(true)
                .setIgnoreEmptyLines(true)
                .setAllowMissingColumnNames(true)
                .setTrim(false)
                .get();
        try (Utf8Reader reader = new Utf8Reader(file, o.maxLineBytes());
             CSVParser parser = CSVParser.builder().setReader(reader).setFormat(format).get()) {
            Map<String, Integer> header = parser.getHeaderMap();
            if (header == null || header.isEmpty()) {
                Utf8Reader.Defect d = reader.firstDefectBetween(0, Long.MAX_VALUE);
                if (d != null) {
                    throw new BadInputException(file, d.line(), d.kind(), d.detail() + " in the header row",
                            "fix the header row");
                }
                badInput.reject(new BadInputException(file, 0, BadInput.Kind.EMPTY_FILE,
                        "the file is empty (no header row)", "check that this is the file you meant"));
                return null;
            }
            Map<String, Integer> columns = caseInsensitive(header);
            Integer textCol = columns.get(o.textField().toLowerCase(Locale.ROOT));
            Integer labelCol = columns.get(o.labelField().toLowerCase(Locale.ROOT));
            Integer idCol = columns.get(o.idField().toLowerCase(Locale.ROOT));
            Integer pairCol = o.pairField() == null ? null : columns.get(o.pairField().toLowerCase(Locale.ROOT));
            if (o.pairField() != null && pairCol == null) {
                throw new BadInputException(file, 1, BadInput.Kind.MISSING_FIELD,
                        "the header has no column '" + o.pairField() + "' for the second text of each pair (columns: "
                                + String.join(", ", header.keySet()) + ")",
                        "add that column, or name the right one with pairField");
            }
            for (var need : List.of(Map.entry(o.textField(), "textField"), Map.entry(o.labelField(), "labelField"))) {
                if (!columns.containsKey(need.getKey().toLowerCase(Locale.ROOT))) {
                    throw new BadInputException(file, 1, BadInput.Kind.MISSING_FIELD,
                            "the header has no column '" + need.getKey() + "' (columns: " + String.join(", ", header.keySet()) + ")",
                            badInput.offers(need.getValue()) ? "name the right column with " + need.getValue()
                                    : "rename that column in the header to '" + need.getKey() + "'");
                }
            }
            int width = header.size();
            Iterator<CSVRecord> records = parser.iterator();
            CSVRecord record = nextRecord(records, file, reader);
            Utf8Reader.Defect inHeader = reader.firstDefectBetween(0,
                    record == null ? Long.MAX_VALUE : record.getCharacterPosition());
            if (inHeader != null) {
                throw new BadInputException(file, inHeader.line(), inHeader.kind(), inHeader.detail() + " in the header row",
                        "fix the header row");
            }
            while (record != null) {
                CSVRecord following = nextRecord(records, file, reader);
                long start = record.getCharacterPosition();
                long end = following == null ? Long.MAX_VALUE : following.getCharacterPosition();
                long line = reader.lineAt(start);
                Utf8Reader.Defect defect = reader.firstDefectBetween(start, end);
                if (defect != null) {
                    badInput.reject(new BadInputException(file, defect.line(), defect.kind(), defect.detail(),
                            defect.kind() == BadInput.Kind.INVALID_UTF8
                                    ? "convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8)" + badInput.orSkip("records")
                                    : "split the record" + badInput.orSkip("records")));
                } else if (record.size() != width) {
                    badInput.reject(new BadInputException(file, line, BadInput.Kind.WRONG_COLUMN_COUNT,
                            "record has " + record.size() + " columns, the header has " + width,
                            "quote fields that contain the delimiter" + badInput.orSkip("records")));
                } else {
                    String text = record.get(textCol);
                    String label = record.get(labelCol).strip();
                    if (text.isBlank()) {
                        badInput.reject(badInput.missingField(file, line, "an empty", o.textField(), "textField"));
                    } else if (label.isEmpty()) {
                        badInput.reject(badInput.missingField(file, line, "an empty", o.labelField(), "labelField"));
                    } else if (pairCol != null && record.get(pairCol).isBlank()) {
                        badInput.reject(missingPair(file, line, o.pairField(), "an empty", badInput));
                    } else if (badInput.knownOrReject(o.knownLabels(), file, line, "label", label, "records")) {
                        String id = idCol != null && !record.get(idCol).isBlank() ? record.get(idCol) : "line-" + line;
                        Map<String, String> fields = new LinkedHashMap<>();
                        for (var h : header.entrySet()) {
                            int c = h.getValue();
                            if (c != textCol && c != labelCol && (idCol == null || c != idCol)
                                    && (pairCol == null || c != pairCol) && !h.getKey().isEmpty()) {
                                fields.put(h.getKey(), record.get(c));
                            }
                        }
                        if (pairCol != null) {
                            fields.put(TEXT_PAIR, record.get(pairCol));
                        }
                        out.add(new ClassificationExample(id, text, label, fields));
                    }
                }
                record = following;
            }
        }
        return out;
    }

    private static CSVRecord nextRecord(Iterator<CSVRecord> records, Path file, Utf8Reader reader) {
        try {
            return records.hasNext() ? records.next() : null;
        } catch (UncheckedIOException | IllegalStateException e) {
            String why = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
            throw new BadInputException(file, 0, BadInput.Kind.MALFORMED_RECORD,
                    "the CSV cannot be parsed past this point: " + why,
                    "check the quoting (a quote inside a quoted field is written twice: \"\")");
        }
    }

    private static Map<String, Integer> caseInsensitive(Map<String, Integer> header) {
        Map<String, Integer> m = new HashMap<>();
        header.forEach((k, v) -> m.putIfAbsent(k.strip().toLowerCase(Locale.ROOT), v));
        return m;
    }

    private static BadInputException missingPair(Path file, long line, String field, String what, BadInput badInput) {
        return new BadInputException(file, line, BadInput.Kind.MISSING_FIELD,
                what + " \"" + field + "\" field (the second text of the pair)",
                "add it, or name the field with pairField" + badInput.orSkip("records"));
    }
}
