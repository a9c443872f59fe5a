package dev.graft.experiment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CellResultTest {
    private static final CellResult.Cost COST = new CellResult.Cost(5_000_000L, 120_000L, 3.1e14, 1200.5, 40.25);

    @Test
    void aFinishedCellSurvivesTheRoundTrip() {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("accuracy", 0.64);
        metrics.put("macro_f1", 0.625);
        metrics.put("labels", List.of("negative", "positive"));
        metrics.put("confusion", List.of(List.of(40, 10), List.of(26, 24)));
        CellResult cell = CellResult.ok("transfer", "200", 200, 3, "accuracy", 0.64, 0.66, metrics, COST);

        String line = cell.toJson();

        assertThat(line).doesNotContain("\n").startsWith("{\"strategy\":\"transfer\",\"budget\":\"200\"");
        assertThat(CellResult.fromJson(line)).isEqualTo(cell);
    }

    @Test
    void aFailedCellKeepsItsErrorAndNaNScores() {
        CellResult cell = CellResult.failed("ulmfit", "all", 2400, 1, "accuracy", CellResult.Cost.NONE,
                "OutOfMemoryError: \"Java heap space\"\nat line 2");

        String line = cell.toJson();
        CellResult back = CellResult.fromJson(line);

        assertThat(line).contains("\"test\":null", "\"dev\":null", "\"status\":\"failed\"");
        assertThat(back).isEqualTo(cell);
        assertThat(back.isOk()).isFalse();
        assertThat(back.test()).isNaN();
        assertThat(back.error()).isEqualTo("OutOfMemoryError: \"Java heap space\"\nat line 2");
    }

    @Test
    void readsAFileAndSkipsBlankLines(@TempDir Path dir) throws IOException {
        CellResult a = CellResult.ok("scratch", "50", 50, 1, "accuracy", 0.56, 0.55, Map.of("accuracy", 0.56), COST);
        CellResult b = CellResult.ok("bow", "50", 50, 1, "accuracy", 0.61, 0.6, Map.of(), CellResult.Cost.NONE);
        Path file = dir.resolve("results.jsonl");
        Files.writeString(file, a.toJson() + "\n\n" + b.toJson() + "\n");

        assertThat(CellResult.read(file)).containsExactly(a, b);
    }

    @Test
    void aBadLineIsNamedByFileAndLine(@TempDir Path dir) throws IOException {
        CellResult a = CellResult.ok("scratch", "50", 50, 1, "accuracy", 0.56, 0.55, Map.of(), COST);
        Path file = dir.resolve("results.jsonl");
        Files.writeString(file, a.toJson() + "\n{\"strategy\":\"bow\",\"budget\":\n");

        assertThatThrownBy(() -> CellResult.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file + ":2: malformed JSON");
    }

    @Test
    void aMissingOrMistypedFieldIsNamed(@TempDir Path dir) throws IOException {
        String good = CellResult.ok("scratch", "50", 50, 1, "accuracy", 0.56, 0.55, Map.of(), COST).toJson();
        Path file = dir.resolve("results.jsonl");
        Files.writeString(file, good + "\n" + good + "\n" + good.replace("\"labels\":50", "\"labels\":\"fifty\"") + "\n");
        assertThatThrownBy(() -> CellResult.read(file))
                .hasMessageContaining(file + ":3: \"labels\" must be an integer");

        assertThatThrownBy(() -> CellResult.fromJson(good.replace("\"seed\":1,", "")))
                .hasMessageContaining("no \"seed\" field");
    }

    @Test
    void invalidCellsAreRejectedWithAReason() {
        assertThatThrownBy(() -> CellResult.ok("scratch", "50", 50, 1, "accuracy", Double.NaN, 0.5, Map.of(), COST))
                .hasMessageContaining("ok but its test score is NaN");
        assertThatThrownBy(() -> new CellResult("scratch", "50", 50, 1, "accuracy", 0.5, 0.5, Map.of(), COST,
                "done", null)).hasMessageContaining("status must be \"ok\" or \"failed\", got \"done\"");
        assertThatThrownBy(() -> CellResult.failed("scratch", "50", 50, 1, "accuracy", COST, " "))
                .hasMessageContaining("give the error message");
        assertThatThrownBy(() -> new CellResult.Cost(-1, 0, 0, 0, 0)).hasMessageContaining("costs must be >= 0");
    }

    @Test
    void missingCostReadsAsNone() {
        String line = CellResult.ok("bow", "all", 2400, 2, "accuracy", 0.8, 0.79, Map.of(), COST).toJson()
                .replaceAll(",\"cost\":\\{[^}]*}", "");
        assertThat(line).doesNotContain("cost");
        assertThat(CellResult.fromJson(line).cost()).isEqualTo(CellResult.Cost.NONE);
    }
}
