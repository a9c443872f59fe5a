package dev.graft.experiment;

import dev.graft.baseline.BagOfWords;
import dev.graft.baseline.VectorClassifier;
import dev.graft.data.ClassificationExample;
import dev.graft.data.LabelSet;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.model.HeadConfig;
import dev.graft.vectors.WordVectors;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * {@code vectors} and {@code bow+vectors}: the {@link VectorClassifier} on the experiment's static vectors
 * (trained once on the corpus, {@link SharedRuns#vectors()}), pooled alone or joined to the TF-IDF row. One
 * class for the two: they differ only in {@link VectorClassifier.Features}, which is this class's one field.
 * Classification only.
 */
final class VectorsStrategy implements StrategyRun {
    private final VectorClassifier.Features features;

    VectorsStrategy(boolean withBagOfWords) {
        this.features = withBagOfWords ? VectorClassifier.Features.BOW_PLUS_VECTORS : VectorClassifier.Features.VECTORS;
    }

    private Strategy strategy() {
        return features == VectorClassifier.Features.VECTORS ? Strategy.VECTORS : Strategy.BOW_VECTORS;
    }

    @Override
    public Preparation preparation() {
        return Preparation.whenPending(SharedRuns::vectors);
    }

    @Override
    public <E> CellResult run(Cell<E> cell, SharedRuns shared) throws IOException {
        if (shared.spec.task() != HeadConfig.Task.CLASSIFY) {
            throw new IllegalArgumentException(cell.arm().id() + " classifies sentences; for tagging use bow");
        }
        return cell(shared.vectors(), cell.labeledTexts(), cell.data().labels(), cell.testTexts(),
                cell.subset().seed(), cell.budget(), cell.subset().labels(), cell.subset().seedIndex(), cell.metric());
    }

    /** One cell: train on {@code labeled} (C by cross-validation inside it), score on {@code test}. */
    CellResult cell(WordVectors vectors, List<ClassificationExample> labeled, LabelSet labels,
                    List<ClassificationExample> test, long seed, String budget, int labelCount, int seedIndex,
                    String metric) {
        long t0 = System.nanoTime();
        VectorClassifier model = VectorClassifier.train(labeled, labels, vectors, features,
                BagOfWords.Options.defaults(seed));
        ClassificationMetrics m = model.evaluate(test);
        Map<String, Object> testMetrics = CellResult.testMetrics(m);
        testMetrics.put("chosen_c", model.chosenC());
        testMetrics.put("vector_dim", vectors.dim());
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new CellResult(strategy().id(), budget, labelCount, seedIndex, metric, m.accuracy(), Double.NaN,
                testMetrics, new CellResult.Cost(0, 0, 0, 0, seconds), CellResult.OK, null);
    }
}
