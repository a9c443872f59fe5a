package dev.graft.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.distill.Distillation;
import dev.graft.finetune.FineTuneSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code distilled}: full fine-tuning, as {@code pretrained} does it, of the student of a {@code graft distill}
 * run ({@code --distilled DIR}). A cell's pretraining cost is the distillation's tokens and wall time (from the
 * run's {@value Distillation#SUMMARY_FILE}); the teacher's own pretraining, done elsewhere, is not counted, as
 * for {@code pretrained}.
 */
final class DistilledStrategy extends FineTuneStrategy {
    @Override
    Strategy strategy() {
        return Strategy.DISTILLED;
    }

    @Override
    public void prepare(SharedRuns shared, Experiment.Data<?> data, boolean pending) {
        // the student exists already: the spec checked its folder
    }

    @Override
    PretrainRun startingPoint(FineTuneSpec.Builder b, Cell<?> cell, SharedRuns shared) {
        b.from(shared.spec.distilled());
        return null;
    }

    /** The distillation run, its tokens and wall time from its summary (0 when the run left none). */
    @Override
    List<PretrainRun> pretrainingCost(PretrainRun start, SharedRuns shared) throws IOException {
        Path folder = shared.spec.distilled();
        Path summary = folder.resolve(Distillation.SUMMARY_FILE);
        JsonNode s = Files.exists(summary) ? new ObjectMapper().readTree(summary.toFile()) : null;
        return List.of(new PretrainRun("distilled (given: " + folder + ")", folder,
                s == null ? 0 : s.path("tokens_seen").asLong(0), s == null ? 0 : s.path("wall_s").asDouble(0),
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN));
    }
}
