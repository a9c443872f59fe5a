package dev.graft.data;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The multi-label experiments' label draw: every label present when the budget allows, nested across budgets. */
class DatasetCoveringTest {
    private static MultiLabelExample ex(String id, String... labels) {
        return new MultiLabelExample(id, "text " + id, List.of(labels));
    }

    private static final List<MultiLabelExample> SIX = List.of(ex("e0", "b"), ex("e1"), ex("e2", "a", "c"),
            ex("e3", "a"), ex("e4", "c", "d"), ex("e5", "d"));

    @Test
    void theCoveringOrderMovesTheFirstCarrierOfEachUncoveredLabelForward() {
        // by hand, labels in sorted order a, b, c, d:
        //   a: not covered, its first carrier in the order is e2, which also covers c
        //   b: not covered, first carrier e0
        //   c: covered by e2
        //   d: not covered, first carrier e4 (which also carries c)
        // then the rest in order: e1, e3, e5
        List<MultiLabelExample> out = Dataset.coveringOrder(SIX, MultiLabelExample::labels);
        assertThat(out.stream().map(MultiLabelExample::id)).containsExactly("e2", "e0", "e4", "e1", "e3", "e5");
        // another order, another cover: e5 is d's first carrier; a's first carrier e3 does not cover c
        List<MultiLabelExample> reversed = new java.util.ArrayList<>(SIX);
        java.util.Collections.reverse(reversed);
        assertThat(Dataset.coveringOrder(reversed, MultiLabelExample::labels).stream().map(MultiLabelExample::id))
                .containsExactly("e3", "e0", "e4", "e5", "e2", "e1");
    }

    @Test
    void aBudgetOfFourCoversAllFourLabelsForEverySeedAndSmallerDrawsAreNested() {
        Dataset<MultiLabelExample> d = Dataset.ofMultiLabel(SIX);
        for (long seed = 0; seed < 20; seed++) {
            // at most one example per label moves forward, so a budget of 4 labels covers all 4
            Dataset<MultiLabelExample> four = d.takeCoveringLabels(4, seed);
            assertThat(four.size()).isEqualTo(4);
            assertThat(four.labelSet().labels()).as("seed " + seed).containsExactly("a", "b", "c", "d");
            Dataset<MultiLabelExample> three = d.takeCoveringLabels(3, seed);
            Set<String> two = ids(d.takeCoveringLabels(2, seed));
            Set<String> five = ids(d.takeCoveringLabels(5, seed));
            assertThat(ids(three)).containsAll(two);
            assertThat(ids(four)).containsAll(ids(three));
            assertThat(five).containsAll(ids(four));
            // a budget of 2: the first label in sorted order is always there
            assertThat(d.takeCoveringLabels(2, seed).labelSet().labels()).contains("a");
            assertThat(ids(d.takeCoveringLabels(9, seed))).hasSize(6);
        }
        assertThat(ids(d.takeCoveringLabels(3, 1))).isEqualTo(ids(d.takeCoveringLabels(3, 1)));
        assertThatThrownBy(() -> d.takeCoveringLabels(-1, 0)).hasMessageContaining(">= 0");
    }

    private static Set<String> ids(Dataset<MultiLabelExample> d) {
        Set<String> out = new HashSet<>();
        d.forEach(e -> out.add(e.id()));
        return new TreeSet<>(out);
    }
}
