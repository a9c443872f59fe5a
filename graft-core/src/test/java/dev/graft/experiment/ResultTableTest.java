package dev.graft.experiment;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.graft.experiment.ReportFixtures.NONE;
import static dev.graft.experiment.ReportFixtures.cells;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ResultTableTest {
    @Test
    void meanAndSampleStandardDeviationOverSeeds() {
        // 0.61, 0.64, 0.67: mean 0.64; deviations -0.03, 0, 0.03; sum of squares 0.0018; / (3 - 1) = 0.0009; std 0.03
        ResultTable t = ResultTable.of(cells("transfer", "200", 200, NONE, 0.61, 0.64, 0.67));
        ResultTable.Cell c = t.cell("transfer", "200").orElseThrow();
        assertThat(c.mean()).isCloseTo(0.64, within(1e-12));
        assertThat(c.std()).isCloseTo(0.03, within(1e-12));
        assertThat(c.min()).isEqualTo(0.61);
        assertThat(c.max()).isEqualTo(0.67);
        assertThat(c.seeds()).isEqualTo(3);

        // 0.5 and 0.8: mean 0.65, std sqrt((0.15² + 0.15²) / 1) = 0.212132
        ResultTable.Cell two = ResultTable.of(cells("bow", "50", 50, NONE, 0.5, 0.8)).cell("bow", "50").orElseThrow();
        assertThat(two.mean()).isCloseTo(0.65, within(1e-12));
        assertThat(two.std()).isCloseTo(0.212132, within(1e-6));

        ResultTable.Cell one = ResultTable.of(cells("bow", "50", 50, NONE, 0.7)).cell("bow", "50").orElseThrow();
        assertThat(one.std()).isNaN();
    }

    @Test
    void failedSeedsAreCountedNotAveraged() {
        List<CellResult> r = new ArrayList<>(cells("ulmfit", "50", 50, NONE, 0.60, 0.70));
        r.add(CellResult.failed("ulmfit", "50", 50, 3, "accuracy", NONE, "diverged: loss NaN at step 12"));
        ResultTable t = ResultTable.of(r);
        ResultTable.Cell c = t.cell("ulmfit", "50").orElseThrow();
        assertThat(c.mean()).isCloseTo(0.65, within(1e-12));
        assertThat(c.seeds()).isEqualTo(2);
        assertThat(c.failed()).extracting(CellResult::seed).containsExactly(3);
        assertThat(t.failed()).hasSize(1);
        assertThat(t.size()).isEqualTo(3);
    }

    @Test
    void ordersStrategiesKnownFirstAndBudgetsByLabels() {
        List<CellResult> r = new ArrayList<>();
        r.addAll(cells("custom", "all", 2400, NONE, 0.7));
        r.addAll(cells("bow", "all", 2400, NONE, 0.8));
        r.addAll(cells("bow", "200", 200, NONE, 0.7));
        r.addAll(cells("scratch", "50", 50, NONE, 0.6));
        r.addAll(cells("pretrained", "1000", 1000, NONE, 0.9));
        ResultTable t = ResultTable.of(r);
        assertThat(t.strategies()).containsExactly("scratch", "pretrained", "bow", "custom");
        assertThat(t.budgets()).containsExactly("50", "200", "1000", "all");
        assertThat(t.labels("all")).isEqualTo(2400);
        assertThat(t.curve("bow")).containsExactly(Map.entry(200, 0.7), Map.entry(2400, 0.8));
    }

    @Test
    void bestMeanPerBudgetIncludesTies() {
        List<CellResult> r = new ArrayList<>();
        r.addAll(cells("scratch", "50", 50, NONE, 0.5, 0.75)); // means exact in binary: 0.625
        r.addAll(cells("bow", "50", 50, NONE, 0.625, 0.625));
        r.addAll(cells("transfer", "50", 50, NONE, 0.6, 0.6));
        r.addAll(cells("scratch", "200", 200, NONE, 0.7));
        r.addAll(cells("bow", "200", 200, NONE, 0.75));
        ResultTable t = ResultTable.of(r);
        assertThat(t.best("50")).containsExactlyInAnyOrder("scratch", "bow");
        assertThat(t.best("200")).containsExactly("bow");
    }

    @Test
    void rejectsEmptyOrMixedResults() {
        assertThatThrownBy(() -> ResultTable.of(List.of())).hasMessageContaining("no results to report");
        List<CellResult> mixed = new ArrayList<>(cells("scratch", "50", 50, NONE, 0.6));
        mixed.add(CellResult.ok("scratch", "50", 50, 2, "token_accuracy", 0.9, 0.9, Map.of(), NONE));
        assertThatThrownBy(() -> ResultTable.of(mixed)).hasMessageContaining("mix metrics");
    }
}
