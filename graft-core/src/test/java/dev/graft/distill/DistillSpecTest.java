package dev.graft.distill;

import dev.graft.data.CorpusReader;
import dev.graft.train.ScheduleKind;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DistillSpecTest {
    /** Every setting away from its default, so that a setting toBuilder dropped would show. */
    @Test
    void toBuilderKeepsEverySetting() {
        DistillSpec s = DistillSpec.builder(Path.of("teacher-dir"), List.of("a.txt", "b.txt"), Path.of("out-dir"))
                .student(DistillSpec.TEACHER_SHAPE).init(DistillSpec.Init.TEACHER_LAYERS).loss(DistillSpec.Loss.LAYERS)
                .layerMap("0:1,1:3").cacheTeacher(true).layout(CorpusReader.Layout.PARAGRAPHS).batchSize(7)
                .seqLen(37).model(m -> m.withLayers(2)).optimizer(o -> o.withSchedule(ScheduleKind.COSINE))
                .monitoring(m -> m.withValidationSequences(99)).run(r -> r.withSteps(13).withSeed(5)).build();
        assertThat(s.toBuilder().build()).isEqualTo(s);
        DistillSpec other = s.toBuilder().teacher(Path.of("t2")).init(DistillSpec.Init.RANDOM).build();
        assertThat(other.teacher()).isEqualTo(Path.of("t2"));
        assertThat(other.init()).isEqualTo(DistillSpec.Init.RANDOM);
        assertThat(other.layerMap()).isEqualTo("0:1,1:3");
        assertThat(other.seqLen()).isEqualTo(37);
    }
}
