package dev.graft.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SeededSplitTest {
    @Test
    void keyIsTheFirstEightBytesOfSha256() {
        // provenance: Python 3, int.from_bytes(hashlib.sha256(b"graft-split-v1/test/a").digest()[:8], "big", signed=True)
        assertThat(SeededSplit.key("graft-split-v1/test", "a")).isEqualTo(-7356034848002082411L);
        assertThat(SeededSplit.key("graft-split-v1/test", "b")).isEqualTo(-3209350576138785433L);
    }

    @Test
    void heldOutCountFormula() {
        assertThat(SeededSplit.heldOutCount(0)).isZero();
        assertThat(SeededSplit.heldOutCount(2)).isZero();
        assertThat(SeededSplit.heldOutCount(3)).isEqualTo(1);
        assertThat(SeededSplit.heldOutCount(6)).isEqualTo(1);
        assertThat(SeededSplit.heldOutCount(15)).isEqualTo(2);
        assertThat(SeededSplit.heldOutCount(500)).isEqualTo(50);
    }

    @Test
    void stratifiedEightyTenTenAndDeterministic() {
        List<String[]> units = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            units.add(new String[] {"u" + i, i < 70 ? "x" : "y"});
        }
        Map<String, Split> a = SeededSplit.assign(units, u -> u[0], u -> u[1], SeededSplit.seedFor("t"));
        assertThat(a).isEqualTo(SeededSplit.assign(units, u -> u[0], u -> u[1], SeededSplit.seedFor("t")));
        long testX = units.stream().filter(u -> u[1].equals("x") && a.get(u[0]) == Split.TEST).count();
        long devY = units.stream().filter(u -> u[1].equals("y") && a.get(u[0]) == Split.DEV).count();
        assertThat(testX).isEqualTo(7);
        assertThat(devY).isEqualTo(3);
        assertThat(a.values().stream().filter(s -> s == Split.TRAIN).count()).isEqualTo(80);
        // another seed, another assignment
        assertThat(SeededSplit.assign(units, u -> u[0], u -> u[1], SeededSplit.seedFor("other"))).isNotEqualTo(a);
    }

    @Test
    void smallestKeysGoToTestThenDev() {
        List<String> ids = List.of("a", "b", "c", "d", "e");
        Map<String, Split> a = SeededSplit.assign(ids, i -> i, i -> "", "s");
        List<String> byKey = new ArrayList<>(ids);
        byKey.sort((x, y) -> Long.compareUnsigned(SeededSplit.key("s", x), SeededSplit.key("s", y)));
        assertThat(a.get(byKey.get(0))).isEqualTo(Split.TEST);
        assertThat(a.get(byKey.get(1))).isEqualTo(Split.DEV);
        assertThat(a.get(byKey.get(4))).isEqualTo(Split.TRAIN);
    }

    @Test
    void duplicateIdsAreRejected() {
        assertThatThrownBy(() -> SeededSplit.assign(List.of("a", "a"), i -> i, i -> "", "s"))
                .hasMessageContaining("appears twice");
    }
}
