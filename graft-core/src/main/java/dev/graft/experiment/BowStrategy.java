package dev.graft.experiment;

import dev.graft.baseline.BagOfWords;
import dev.graft.baseline.MostFrequentTag;
import dev.graft.data.ClassificationExample;
import dev.graft.data.TaggingExample;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.eval.TaggingMetrics;
import dev.graft.model.HeadConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bow}: the {@link BagOfWords} baseline for classification (C by cross-validation inside the labels),
 * the {@link MostFrequentTag} baseline for tagging. It has no early stopping, so it fits the whole labeled
 * subset (train and dev parts), and it shares nothing with other cells.
 */
final class BowStrategy implements StrategyRun {
    @Override
    public void prepare(SharedRuns shared, Experiment.Data<?> data, boolean pending) {
    }

    @Override
    @SuppressWarnings("unchecked")
    public <E> CellResult run(Cell<E> cell, SharedRuns shared) {
        long t0 = System.nanoTime();
        List<E> labeled = cell.labeled();
        Experiment.Data<E> data = cell.data();
        Map<String, Object> testMetrics;
        double score;
        if (shared.spec.task() == HeadConfig.Task.CLASSIFY) {
            BagOfWords model = BagOfWords.train((List<ClassificationExample>) labeled, data.labels(),
                    BagOfWords.Options.defaults(cell.subset().seed()));
            ClassificationMetrics m = model.evaluate((List<ClassificationExample>) data.test().examples());
            testMetrics = new LinkedHashMap<>(m.toMap());
            testMetrics.put("chosen_c", model.chosenC());
            score = m.accuracy();
        } else {
            MostFrequentTag model = MostFrequentTag.train((List<TaggingExample>) labeled);
            TaggingMetrics m = model.evaluate((List<TaggingExample>) data.test().examples(), data.labels().labels());
            testMetrics = m.toMap();
            score = m.tokenAccuracy();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new CellResult(Strategy.BOW.id(), cell.budget(), cell.subset().labels(), cell.subset().seedIndex(),
                cell.metric(), score, Double.NaN, testMetrics, new CellResult.Cost(0, 0, 0, 0, seconds), CellResult.OK,
                null);
    }
}
