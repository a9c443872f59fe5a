package dev.graft.experiment;

import dev.graft.baseline.VectorClassifierTest;
import dev.graft.data.LabelSet;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.graft.baseline.VectorClassifierTest.sentences;
import static org.assertj.core.api.Assertions.assertThat;

/** The vector strategies' cells, on {@link VectorClassifierTest}'s fixture. */
class VectorStrategyTest {
    @Test
    void cellReportsTheStrategyAndChosenC() {
        LabelSet labels = LabelSet.ordered(List.of("neg", "pos"));
        CellResult r = new VectorsStrategy(true).cell(VectorClassifierTest.vectors(),
                sentences(21, "good", "bad", 4), labels, sentences(11, "great", "awful", 5), 7, "21", 21, 0,
                "accuracy");
        assertThat(r.strategy()).isEqualTo("bow+vectors");
        assertThat(r.isOk()).isTrue();
        assertThat(r.testMetrics()).containsKeys("chosen_c", "vector_dim");
        CellResult pooled = new VectorsStrategy(false).cell(VectorClassifierTest.vectors(),
                sentences(21, "good", "bad", 4), labels, sentences(11, "great", "awful", 5), 7, "21", 21, 0,
                "accuracy");
        assertThat(pooled.strategy()).isEqualTo("vectors");
        assertThat(Strategy.parse("bow+vectors")).isEqualTo(Strategy.BOW_VECTORS);
        assertThat(Strategy.VECTORS.fineTunes()).isFalse();
    }
}
