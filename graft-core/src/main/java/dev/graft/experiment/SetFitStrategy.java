package dev.graft.experiment;

import dev.graft.SpecException;
import dev.graft.data.ClassificationExample;
import dev.graft.data.Dataset;
import dev.graft.finetune.FineTuneResult;
import dev.graft.finetune.FineTuneSpec;
import dev.graft.finetune.LabeledSplits;
import dev.graft.finetune.SetFit;
import dev.graft.model.HeadConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code setfit}, {@code setfit-own} and the linear probes {@code probe}, {@code probe-own},
 * {@code probe-distilled}: {@link SetFit} on the cell's labels, the encoder a model pretrained elsewhere
 * ({@code --pretrained}, as {@code pretrained} fine-tunes it), graft's own base pretraining run (as
 * {@code transfer} fine-tunes it) or the student of a {@code graft distill} run ({@code --distilled}); a probe
 * is SetFit with no contrastive stage (logistic regression on the encoder's embeddings as they are). These
 * have no early stopping (the head's C is chosen by cross-validation inside the labels), so a cell uses its
 * whole labeled subset, train and dev parts, as {@code bow} does. Classification only. A cell's cost is its
 * starting run's pretraining (a distillation's tokens and time; none for a model pretrained elsewhere) and its
 * contrastive tuning's tokens; FLOPs 6 x parameters x tokens.
 */
final class SetFitStrategy implements StrategyRun {
    /** Where the encoder comes from. */
    enum Source {
        PRETRAINED, OWN, DISTILLED
    }

    private final Source source;
    private final boolean probe;

    /**
     * @param source the encoder's origin
     * @param probe  no contrastive stage: a linear probe of the encoder as it is
     */
    SetFitStrategy(Source source, boolean probe) {
        this.source = source;
        this.probe = probe;
    }

    Strategy strategy() {
        return switch (source) {
            case PRETRAINED -> probe ? Strategy.PROBE : Strategy.SETFIT;
            case OWN -> probe ? Strategy.PROBE_OWN : Strategy.SETFIT_OWN;
            case DISTILLED -> {
                if (!probe) {
                    throw new IllegalStateException("SetFit on a distilled student is not a strategy");
                }
                yield Strategy.PROBE_DISTILLED;
            }
        };
    }

    @Override
    public Preparation preparation() {
        return switch (source) {
            case OWN -> (shared, data, pending) -> shared.basePretraining();
            case PRETRAINED -> Preparation.whenPending(SharedRuns::pretrainedModel);
            case DISTILLED -> (shared, data, pending) -> {
            };
        };
    }

    @Override
    @SuppressWarnings("unchecked")
    public <E> CellResult run(Cell<E> cell, SharedRuns shared) throws IOException {
        ExperimentSpec spec = shared.spec;
        if (spec.task() != HeadConfig.Task.CLASSIFY) {
            throw new SpecException("task", "the " + strategy().id() + " strategy classifies texts: it has no "
                    + "task " + spec.task().id());
        }
        Experiment.Subset<E> subset = cell.subset();
        Experiment.Data<E> data = cell.data();
        Path cellDir = FineTuneStrategy.cellDir(cell, shared);
        FineTuneSpec.Builder b = FineTuneStrategy.cellSpec(cell, shared, cellDir).recipe(FineTuneSpec.Recipe.SETFIT);
        PretrainRun pre = null;
        switch (source) {
            case OWN -> {
                pre = shared.basePretraining();
                shared.warnIfFrequencyOnly(pre, strategy());
                b.from(pre.folder()).learningRate(OWN_RATE);
            }
            case PRETRAINED -> b.from(shared.pretrainedModel());
            case DISTILLED -> {
                pre = FineTuneStrategy.distilledRun(shared);
                b.from(pre.folder());
            }
        }
        FineTuneSpec ft = b.build();
        List<ClassificationExample> labeled = cell.labeledTexts();
        SetFit.Options options = probe ? SetFit.Options.probe() : SetFit.Options.defaults();
        FineTuneResult r = FineTuneStrategy.logged(cell, cellDir, log -> SetFit.run(ft, options,
                new LabeledSplits<>(Dataset.ofClassification(labeled), null,
                        (Dataset<ClassificationExample>) data.test(), data.labels()), log));
        CellResult.Cost cost = FineTuneStrategy.cost(cellDir, pre == null ? List.of() : List.of(pre),
                SharedRuns.lastTrainTokens(cellDir.resolve("metrics.jsonl")), r.wallSeconds());
        Map<String, Object> testMetrics = CellResult.testMetrics(r.test());
        testMetrics.put("chosen_c", r.chosenC());
        if (Double.isFinite(r.finalTrainLoss())) {
            testMetrics.put("final_train_loss", r.finalTrainLoss());
        }
        return new CellResult(cell.arm().id(), cell.budget(), subset.labels(), subset.seedIndex(), cell.metric(),
                r.testScore(), Double.NaN, testMetrics, cost, CellResult.OK, null);
    }

    /**
     * The contrastive rate on graft's own pretrained encoder: briefly pretrained models want higher rates than
     * a model pretrained at scale (the own-pretraining group's fine-tuning range starts here); SetFit's 2e-5
     * is kept for models pretrained elsewhere. Not tuned.
     */
    static final float OWN_RATE = 1e-4f;
}
