package dev.graft;

import dev.graft.data.DatasetDefinition;
import dev.graft.data.Split;
import dev.graft.distill.DistillSpec;
import dev.graft.train.ScheduleKind;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NamedTest {
    @Test
    void idsAreTheNamesInLowerCaseWithDashes() {
        assertThat(ScheduleKind.COSINE_TIME.id()).isEqualTo("cosine-time");
        assertThat(DistillSpec.Init.TEACHER_LAYERS.id()).isEqualTo("teacher-layers");
        assertThat(Split.DEV.id()).isEqualTo("dev");
        assertThat(DatasetDefinition.SetKind.CLASSIFICATION.id()).isEqualTo("classification");
    }

    @Test
    void parsesAnIdInAnyCaseAndNamesTheFieldAndTheIdsOtherwise() {
        assertThat(Named.parse(ScheduleKind.class, "optimizer.schedule", " Linear-Time ")).isEqualTo(ScheduleKind.LINEAR_TIME);
        assertThat(DistillSpec.Loss.parse("LAYERS")).isEqualTo(DistillSpec.Loss.LAYERS);
        assertThatThrownBy(() -> DistillSpec.Init.parse("copy")).isInstanceOf(SpecException.class)
                .hasMessage("unknown init 'copy': use random or teacher-layers")
                .satisfies(e -> assertThat(((SpecException) e).fields()).containsExactly("init"));
        assertThatThrownBy(() -> ScheduleKind.parse("sideways")).hasMessage("unknown optimizer.schedule 'sideways': "
                + "use linear, cosine, constant, stlr, linear-time or cosine-time");
    }
}
