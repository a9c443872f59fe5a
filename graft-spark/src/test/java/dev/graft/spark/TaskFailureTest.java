package dev.graft.spark;

import dev.graft.SpecException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** An executor's explanation reaches the driver as graft's sentence, naming its spec fields when it has any. */
class TaskFailureTest {
    /** As Spark reports a failed task: a long message that quotes the executor's exception and its trace. */
    private static RuntimeException asSparkReportsIt(TaskFailure f) {
        return new RuntimeException("Job aborted due to stage failure: Task 0 in stage 3.0 failed: "
                + f + "\n\tat dev.graft.spark.pretrain.InnerJob.call(InnerJob.java:215)\n");
    }

    @Test
    void fieldsTravelWithTheSentence() {
        RuntimeException job = asSparkReportsIt(new TaskFailure(List.of("learningRate", "skipNonFinite"),
                "the loss became NaN; lower learningRate, or set skipNonFinite", null));
        IllegalArgumentException e = TaskFailure.explained(job);
        assertThat(e).isInstanceOf(SpecException.class).hasMessage("the loss became NaN; lower learningRate, or set "
                + "skipNonFinite").hasCause(job);
        assertThat(((SpecException) e).fields()).containsExactly("learningRate", "skipNonFinite");
        assertThat(((SpecException) e).messageWith(f -> f.equals("learningRate") ? "--lr" : null))
                .isEqualTo("the loss became NaN; lower --lr, or set skipNonFinite");
        assertThat(TaskFailure.explain(job)).isEqualTo(e.getMessage());
    }

    @Test
    void aSentenceWithoutFieldsIsAPlainIllegalArgumentAndNoSentenceIsNull() {
        RuntimeException job = asSparkReportsIt(new TaskFailure("runs/m: no such model folder on this executor",
                null));
        IllegalArgumentException e = TaskFailure.explained(job);
        assertThat(e).isNotInstanceOf(SpecException.class).hasMessage("runs/m: no such model folder on this executor");
        assertThat(TaskFailure.explained(new RuntimeException("executor lost"))).isNull();
    }
}
