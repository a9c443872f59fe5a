package dev.graft.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonFilesTest {
    @TempDir
    Path dir;

    @Test
    void writesIndentedWithAFinalNewlineAndReadsItBack() throws IOException {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("hidden_size", 32);
        value.put("labels", List.of("neg", "pos"));
        Path file = dir.resolve("sub/config.json");
        JsonFiles.write(file, value);
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(text).isEqualTo("{\n  \"hidden_size\" : 32,\n  \"labels\" : [ \"neg\", \"pos\" ]\n}\n");
        JsonNode back = JsonFiles.read(file);
        assertThat(back.get("hidden_size").asInt()).isEqualTo(32);
        assertThat(back.get("labels").get(1).asText()).isEqualTo("pos");
        assertThat(Files.list(file.getParent()).toList()).as("no temporary file left").containsExactly(file);
    }

    @Test
    void badJsonNamesTheFileAndTheLine() throws IOException {
        Path file = dir.resolve("run.json");
        Files.writeString(file, "{\n  \"a\": 1,\n  \"b\": \n}\n");
        assertThatThrownBy(() -> JsonFiles.read(file)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(file + ": not valid JSON (line 4): ")
                .hasMessageEndingWith("; fix the file or write it again");
    }

    @Test
    void aMissingFileIsNoSuchFile() {
        assertThatThrownBy(() -> JsonFiles.read(dir.resolve("absent.json"))).isInstanceOf(NoSuchFileException.class);
    }
}
