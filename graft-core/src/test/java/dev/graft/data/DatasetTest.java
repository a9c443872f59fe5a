package dev.graft.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatasetTest {
    /** 50 "a", 30 "b", 5 "c". */
    private static Dataset<ClassificationExample> unbalanced() {
        List<ClassificationExample> list = new ArrayList<>();
        int id = 0;
        for (var e : Map.of("a", 50, "b", 30, "c", 5).entrySet()) {
            for (int i = 0; i < e.getValue(); i++) {
                list.add(new ClassificationExample("e" + id++, "text " + id, e.getKey()));
            }
        }
        list.sort(java.util.Comparator.comparing(ClassificationExample::id));
        return Dataset.ofClassification(list);
    }

    private static Set<String> ids(Dataset<ClassificationExample> d) {
        Set<String> s = new HashSet<>();
        d.forEach(e -> s.add(e.id()));
        return s;
    }

    @Test
    void shuffleIsSeededAndAPermutation() {
        var d = unbalanced();
        var s1 = d.shuffled(7);
        assertThat(s1.examples()).isEqualTo(d.shuffled(7).examples()).isNotEqualTo(d.examples())
                .containsExactlyInAnyOrderElementsOf(d.examples());
        assertThat(d.shuffled(8).examples()).isNotEqualTo(s1.examples());
    }

    @Test
    void shuffleIsTheWrittenOutFisherYates() {
        // hand-worked: java.util.Random(42).nextInt(3) = 0, then nextInt(2) = 1 (values fixed by the Random spec)
        java.util.Random r = new java.util.Random(42);
        int j2 = r.nextInt(3);
        int j1 = r.nextInt(2);
        List<String> expected = new ArrayList<>(List.of("x", "y", "z"));
        java.util.Collections.swap(expected, 2, j2);
        java.util.Collections.swap(expected, 1, j1);
        List<String> actual = new ArrayList<>(List.of("x", "y", "z"));
        Dataset.shuffle(actual, new java.util.Random(42));
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void takeGivesARareLabelAllItHasAndSharesTheRest() {
        var d = unbalanced();
        assertThat(d.take(30, 1).labelCounts()).isEqualTo(Map.of("a", 13, "b", 12, "c", 5));
        assertThat(d.take(9, 1).labelCounts()).isEqualTo(Map.of("a", 3, "b", 3, "c", 3));
        assertThat(d.take(100, 1).size()).isEqualTo(85);
        assertThat(d.take(0, 1).size()).isZero();
    }

    @Test
    void takeIsNestedAcrossBudgetsForOneSeed() {
        var d = unbalanced();
        Set<String> previous = Set.of();
        for (int budget : new int[] {3, 10, 20, 50, 85}) {
            Set<String> now = ids(d.take(budget, 5));
            assertThat(now).hasSize(budget).containsAll(previous);
            previous = now;
        }
        assertThat(ids(d.take(20, 5))).isNotEqualTo(ids(d.take(20, 6)));
    }

    @Test
    void kFoldPartitionsAndStratifies() {
        var d = unbalanced();
        var folds = d.kFold(5, 3);
        assertThat(folds).hasSize(5);
        Set<String> seen = new HashSet<>();
        for (var f : folds) {
            assertThat(f.train().size() + f.test().size()).isEqualTo(85);
            assertThat(ids(f.train())).doesNotContainAnyElementsOf(ids(f.test()));
            assertThat(f.test().size()).isBetween(17, 17);
            assertThat(f.test().labelCounts().get("a")).isEqualTo(10);
            assertThat(f.test().labelCounts().get("b")).isEqualTo(6);
            assertThat(f.test().labelCounts().get("c")).isEqualTo(1);
            for (String id : ids(f.test())) {
                assertThat(seen.add(id)).isTrue();
            }
        }
        assertThat(seen).hasSize(85);
        assertThatThrownBy(() -> d.kFold(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void carveDevByFractionAndByCount() {
        var d = unbalanced();
        var c = d.carveDev(0.2, 11);
        assertThat(c.heldOut().labelCounts()).isEqualTo(Map.of("a", 10, "b", 6, "c", 1));
        assertThat(ids(c.train())).doesNotContainAnyElementsOf(ids(c.heldOut()));
        assertThat(c.train().size()).isEqualTo(68);
        var n = d.carveDev(10, 11);
        assertThat(n.heldOut().size()).isEqualTo(10);
        assertThat(n.heldOut().labelCounts()).isEqualTo(Map.of("a", 6, "b", 3, "c", 1));
        // the original order is kept in both parts
        List<ClassificationExample> train = c.train().examples();
        assertThat(train).isSortedAccordingTo(java.util.Comparator.comparing(ClassificationExample::id));
    }

    @Test
    void taggingDatasetsHaveTagSetsAndOneStratum() {
        var t = Dataset.ofTagging(List.of(
                new TaggingExample("1", List.of("a", "b"), List.of("DET", "NOUN")),
                new TaggingExample("2", List.of("c"), List.of("VERB")),
                new TaggingExample("3", List.of("d"), List.of("NOUN"))));
        assertThat(t.labelSet().labels()).containsExactly("DET", "NOUN", "VERB");
        assertThat(t.labelCounts()).isEqualTo(Map.of("DET", 1, "NOUN", 2, "VERB", 1));
        assertThat(t.take(2, 1).size()).isEqualTo(2);
        assertThat(t.kFold(3, 1)).allSatisfy(f -> assertThat(f.test().size()).isEqualTo(1));
    }

    @Test
    void labelSetIndexesAndRejectsUnknownLabels() {
        LabelSet s = LabelSet.of(List.of("pos", "neg", "pos"));
        assertThat(s.labels()).containsExactly("neg", "pos");
        assertThat(s.indexOf("pos")).isEqualTo(1);
        assertThatThrownBy(() -> s.indexOf("neutral")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("label 'neutral' was not seen in training (known: neg, pos)");
        assertThatThrownBy(() -> LabelSet.ordered(List.of("a", "a"))).hasMessageContaining("twice");
    }
}
