package dev.graft.nn;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The slabs of a {@link ParameterSet}: values bound at once, gradients on first use, moves between sets. */
class ParameterSetTest {

    @Test
    void valuesAreViewsOfOneSlabAndAValueReadBeforeIsCopiedIn() {
        Parameter w = new Parameter("w", true, 3, 5);
        Parameter b = new Parameter("b", false, 7);
        b.value().fill(2f); // read (and written) before the set exists, as a layer norm's ones are
        ParameterSet set = new ParameterSet(List.of(w, b, w)); // a shared parameter appears once

        assertThat(set.list()).containsExactly(w, b);
        assertThat(set.count()).isEqualTo(22);
        assertThat(w.value().data()).isSameAs(set.values());
        assertThat(b.value().data()).isSameAs(set.values());
        assertThat(b.value().offset()).isEqualTo(15);
        assertThat(set.values()).startsWith(new float[15]).endsWith(2f, 2f, 2f, 2f, 2f, 2f, 2f);
        assertThat(w.shape()).containsExactly(3, 5);
        assertThat(new Parameter("fresh", true, 2, 4)).hasToString("fresh[2, 4]"); // nothing allocated yet
        assertThat(w.size()).isEqualTo(15);
    }

    @Test
    void gradientsAreAllocatedOnFirstUseForTheWholeSet() {
        Parameter w = new Parameter("w", true, 4, 9);
        Parameter b = new Parameter("b", false, 9);
        ParameterSet set = new ParameterSet(List.of(w, b));
        assertThat(w.hasGrad()).isFalse();
        assertThat(b.hasGrad()).isFalse();

        b.grad().data()[b.grad().offset() + 8] = 5f; // one parameter's gradient binds every parameter's

        assertThat(w.hasGrad()).isTrue();
        assertThat(set.grads()).hasSize(45);
        assertThat(w.grad().data()).isSameAs(set.grads());
        assertThat(b.grad().data()).isSameAs(set.grads());
        assertThat(set.grads()[44]).isEqualTo(5f);
        set.zeroGrads();
        assertThat(set.grads()).containsOnly(0f);
    }

    @Test
    void aSecondSetTakesTheParametersWithTheirValuesAndGradients() {
        Parameter w = new Parameter("w", true, 2, 3);
        Parameter extra = new Parameter("extra", false, 4);
        ParameterSet first = new ParameterSet(List.of(w));
        w.value().fill(1.5f);
        w.grad().fill(-3f);

        ParameterSet second = new ParameterSet(List.of(extra, w));

        assertThat(w.value().data()).isSameAs(second.values());
        assertThat(w.value().offset()).isEqualTo(4);
        assertThat(w.grad().data()).isSameAs(second.grads());
        assertThat(second.values()).containsExactly(0, 0, 0, 0, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f);
        assertThat(second.grads()).containsExactly(0, 0, 0, 0, -3f, -3f, -3f, -3f, -3f, -3f);
        // the first set's slabs no longer back w
        first.grads()[0] = 99f;
        assertThat(w.grad().data()[w.grad().offset()]).isEqualTo(-3f);
    }

    @Test
    void aSetWithoutGradientsStaysWithoutWhenMovedAndAStandaloneParameterHasItsOwn() {
        Parameter w = new Parameter("w", true, 3);
        assertThat(w.grad().size()).isEqualTo(3); // outside any set: storage of its own
        Parameter v = new Parameter("v", true, 3);
        new ParameterSet(List.of(v));
        ParameterSet moved = new ParameterSet(List.of(v));
        assertThat(v.hasGrad()).isFalse();
        assertThat(v.grad().data()).isSameAs(moved.grads());
    }

    @Test
    void twoParametersOfOneNameAreRefused() {
        assertThatThrownBy(() -> new ParameterSet(List.of(new Parameter("a", true, 1), new Parameter("a", true, 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("two different parameters are named a");
    }
}
