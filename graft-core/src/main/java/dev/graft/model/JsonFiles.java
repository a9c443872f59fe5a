package dev.graft.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The JSON files of models and runs (config.json, run.json, results.json, the sentence-transformers files):
 * read whole with errors that name the file and the line, written whole, indented, atomically.
 */
public final class JsonFiles {
    private static final ObjectMapper PLAIN = new ObjectMapper();
    /** The layout of every JSON file graft writes whole: indented (Jackson's default pretty printer). */
    private static final ObjectMapper INDENTED = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonFiles() {
    }

    /**
     * The JSON tree of {@code file}.
     *
     * @throws java.nio.file.NoSuchFileException when there is no such file
     * @throws IOException naming the file and the line when it is not valid JSON
     */
    public static JsonNode read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return PLAIN.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON (line " + e.getLocation().getLineNr() + "): "
                    + e.getOriginalMessage() + "; fix the file or write it again", e);
        }
    }

    /** Writes {@code value} (a JSON node, a map, a record) to {@code file} atomically: indented, a final newline. */
    public static void write(Path file, Object value) throws IOException {
        AtomicFiles.writeString(file, INDENTED.writeValueAsString(value) + "\n");
    }
}
