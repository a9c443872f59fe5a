package dev.graft.experiment;

import dev.graft.baseline.VectorClassifierTest;
import dev.graft.data.LabelSet;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.graft.baseline.VectorClassifierTest.sentences;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The vector strategies' cells, on {@link VectorClassifierTest}'s fixture. */
class VectorStrategyTest {
    @Test
    void cellReportsTheStrategyAndChosenC() {
        LabelSet labels = LabelSet.ordered(List.of("neg", "pos"));
        CellResult r = Experiment.vectorCell(Strategy.BOW_VECTORS, VectorClassifierTest.vectors(),
                sentences(21, "good", "bad", 4), labels, sentences(11, "great", "awful", 5), 7, "21", 21, 0,
                "accuracy");
        assertThat(r.strategy()).isEqualTo("bow+vectors");
        assertThat(r.isOk()).isTrue();
        assertThat(r.testMetrics()).containsKeys("chosen_c", "vector_dim");
        assertThat(Strategy.parse("bow+vectors")).isEqualTo(Strategy.BOW_VECTORS);
        assertThat(Strategy.VECTORS.fineTunes()).isFalse();
        assertThatThrownBy(() -> Experiment.vectorCell(Strategy.BOW, VectorClassifierTest.vectors(),
                sentences(5, "good", "bad", 4), labels, List.of(), 7, "5", 5, 0, "accuracy"))
                .hasMessageContaining("not a vector strategy");
    }
}
