package dev.graft.experiment;

import dev.graft.baseline.BagOfWords;
import dev.graft.baseline.MostFrequentTag;
import dev.graft.baseline.OneVsRestBagOfWords;
import dev.graft.data.ClassificationExample;
import dev.graft.data.ClassificationReader;
import dev.graft.data.MultiLabelExample;
import dev.graft.data.TaggingExample;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.eval.MultiLabelMetrics;
import dev.graft.eval.TaggingMetrics;
import dev.graft.model.HeadConfig;

import java.util.List;
import java.util.Map;

/**
 * {@code bow}: the {@link BagOfWords} baseline for classification (C by cross-validation inside the labels),
 * for sentence pairs on the two texts joined ({@link #joined}), one-vs-rest for multi-label
 * ({@link OneVsRestBagOfWords}, micro-F1 at 0.5 per label), the {@link MostFrequentTag} baseline for tagging.
 * It has no early stopping, so it fits the whole labeled subset (train and dev parts), and it shares nothing with
 * other cells.
 */
final class BowStrategy implements StrategyRun {
    @Override
    public Preparation preparation() {
        return Preparation.NONE;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <E> CellResult run(Cell<E> cell, SharedRuns shared) {
        long t0 = System.nanoTime();
        List<E> labeled = cell.labeled();
        Experiment.Data<E> data = cell.data();
        Map<String, Object> testMetrics;
        double score;
        switch (shared.spec.task()) {
            case CLASSIFY, PAIR -> {
                boolean pairs = shared.spec.task() == HeadConfig.Task.PAIR;
                List<ClassificationExample> train = cell.labeledTexts();
                List<ClassificationExample> test = cell.testTexts();
                BagOfWords model = BagOfWords.train(pairs ? joined(train) : train, data.labels(),
                        BagOfWords.Options.defaults(cell.subset().seed()));
                ClassificationMetrics m = model.evaluate(pairs ? joined(test) : test);
                testMetrics = CellResult.testMetrics(m);
                testMetrics.put("chosen_c", model.chosenC());
                score = m.accuracy();
            }
            case MULTI_LABEL -> {
                OneVsRestBagOfWords model = OneVsRestBagOfWords.train((List<MultiLabelExample>) labeled,
                        data.labels(), BagOfWords.Options.defaults(cell.subset().seed()));
                MultiLabelMetrics m = model.evaluate((List<MultiLabelExample>) data.test().examples());
                testMetrics = CellResult.testMetrics(m);
                score = m.microF1();
            }
            case TAG -> {
                MostFrequentTag model = MostFrequentTag.train((List<TaggingExample>) labeled);
                TaggingMetrics m = model.evaluate((List<TaggingExample>) data.test().examples(),
                        data.labels().labels());
                testMetrics = CellResult.testMetrics(m);
                score = m.tokenAccuracy();
            }
            default -> throw new IllegalStateException("no bag-of-words baseline for " + shared.spec.task().id());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new CellResult(Strategy.BOW.id(), cell.budget(), cell.subset().labels(), cell.subset().seedIndex(),
                cell.metric(), score, Double.NaN, testMetrics, new CellResult.Cost(0, 0, 0, 0, seconds), CellResult.OK,
                null);
    }

    /** The separator {@link #joined} puts between a pair's two texts (a word of its own to the bag of words). */
    static final String PAIR_SEPARATOR = " | ";

    /**
     * Pairs as single texts for the bag of words: the first text, {@value #PAIR_SEPARATOR}, the second, so the
     * features are the words and bigrams of both texts (and the bigrams across the separator mark the boundary).
     */
    static List<ClassificationExample> joined(List<ClassificationExample> pairs) {
        List<ClassificationExample> out = new java.util.ArrayList<>(pairs.size());
        for (ClassificationExample e : pairs) {
            out.add(new ClassificationExample(e.id(), e.text() + PAIR_SEPARATOR
                    + e.field(ClassificationReader.TEXT_PAIR), e.label()));
        }
        return out;
    }
}
