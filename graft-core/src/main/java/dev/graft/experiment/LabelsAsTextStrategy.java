package dev.graft.experiment;

import dev.graft.data.ClassificationExample;
import dev.graft.data.LabelSet;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.model.Checkpoint;
import dev.graft.model.HfConfig;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.nn.Compute;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code labels-as-text}: the cell's labeled examples written as text ({@link LabelsAsText.Template}) into a
 * causal LM's pretraining corpus, one pretraining run per cell ({@link SharedRuns#labelsAsTextPretraining});
 * the test set classified by the likelihood of each label word, calibrated ({@link LabelsAsText}). The
 * uncalibrated scorings are kept beside the score for comparison. Classification only.
 */
final class LabelsAsTextStrategy implements StrategyRun {
    @Override
    public Preparation preparation() {
        return Preparation.whenPending(SharedRuns::decoderTokenizer);
    }

    @Override
    public <E> CellResult run(Cell<E> cell, SharedRuns shared) throws IOException {
        List<ClassificationExample> labeled = cell.labeledTexts();
        LabelsAsText.Template template = LabelsAsText.Template.defaults();
        List<String> documents = LabelsAsText.documents(labeled, template);
        PretrainRun pre = shared.labelsAsTextPretraining(cell.subset(), documents);
        long t0 = System.nanoTime();
        Map<LabelsAsText.Scoring, ClassificationMetrics> all = score(pre.folder(), cell.data().labels(), template,
                cell.testTexts(), shared.cellThreads());
        ClassificationMetrics m = all.get(LabelsAsText.Scoring.CALIBRATED);
        Map<String, Object> testMetrics = CellResult.testMetrics(m);
        // the uncalibrated scorings, for comparison: calibration is what the cell's score uses
        testMetrics.put("accuracy_sum", all.get(LabelsAsText.Scoring.SUM).accuracy());
        testMetrics.put("accuracy_mean", all.get(LabelsAsText.Scoring.MEAN).accuracy());
        double seconds = (System.nanoTime() - t0) / 1e9;
        long params = SharedRuns.parameterCount(pre.folder());
        return new CellResult(Strategy.LABELS_AS_TEXT.id(), cell.budget(), cell.subset().labels(),
                cell.subset().seedIndex(), cell.metric(), m.accuracy(), Double.NaN, testMetrics,
                new CellResult.Cost(pre.tokens(), 0, 6.0 * params * pre.tokens(), pre.seconds(), seconds),
                CellResult.OK, null);
    }

    /** Loads the causal LM of a pretraining folder and scores the test set by label likelihood. */
    private static Map<LabelsAsText.Scoring, ClassificationMetrics> score(Path folder, LabelSet labels,
            LabelsAsText.Template template, List<ClassificationExample> test, int threads) throws IOException {
        try (Parallel parallel = new Parallel(threads)) {
            Compute compute = new Compute(KernelProvider.create(parallel), parallel);
            ModelConfig config = HfConfig.read(folder.resolve(Checkpoint.CONFIG));
            LanguageModel lm = new LanguageModel(compute, config, 0);
            Checkpoint.readWeights(folder.resolve(Checkpoint.WEIGHTS), config, lm.parameterSet());
            lm.setTraining(false);
            Tokenizer tokenizer = Tokenizer.load(folder.resolve(Checkpoint.TOKENIZER));
            return LabelsAsText.scorer(lm, tokenizer, labels, template, config.maxPositions())
                    .evaluate(test, LabelsAsText.Scoring.values());
        }
    }
}
