package dev.graft.baseline;

import dev.graft.data.ClassificationExample;
import dev.graft.data.DatasetRegistry;
import dev.graft.data.LabelSet;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.vectors.VectorTraining;
import dev.graft.vectors.VectorsSpec;
import dev.graft.vectors.WordVectors;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The static-vector baselines of {@code graft experiment}: a sentence is the mean of the unit-length
 * vectors of its known words ({@link WordVectors#embed}), fed to the same multinomial logistic
 * regression as {@link BagOfWords} (strategy {@code vectors}), or joined to its TF-IDF row
 * (strategy {@code bow+vectors}: the TF-IDF features first, then the d pooled dimensions; both
 * parts have norm at most 1). C is chosen by the same stratified k-fold cross-validation inside the
 * labels as {@link BagOfWords}, with the TF-IDF vocabulary fit on each fold's training part only;
 * ties go to the smaller C. The vectors are trained once per experiment on its corpus
 * ({@link #shared}) and never see the labels.
 */
public final class VectorClassifier {
    /** Which features a sentence gets. */
    public enum Features { VECTORS, BOW_PLUS_VECTORS }

    /** Folder of an experiment's shared vectors, inside its output folder. */
    public static final String FOLDER = "vectors";
    /**
     * The experiment's vectors: PPMI-SVD over lowercased words, which at 1-10 M words matches or beats
     * skip-gram (Sahlgren and Lenci 2016), is deterministic and takes one pass (docs/VECTORS.md).
     */
    public static final VectorsSpec.Method SHARED_METHOD = VectorsSpec.Method.PPMI_SVD;
    public static final int SHARED_DIM = VectorsSpec.DEFAULT_DIM;

    private final Features features;
    private final WordVectors vectors;
    private final TfIdf vectorizer; // null for VECTORS
    private final SoftmaxRegression model;
    private final LabelSet labels;
    private final BagOfWords.ChosenC choice;

    private VectorClassifier(Features features, WordVectors vectors, TfIdf vectorizer, SoftmaxRegression model,
                             LabelSet labels, BagOfWords.ChosenC choice) {
        this.features = features;
        this.vectors = vectors;
        this.vectorizer = vectorizer;
        this.model = model;
        this.labels = labels;
        this.choice = choice;
    }

    /**
     * The experiment's vectors in {@code experimentOut/vectors}, trained on {@code corpus} the first
     * time (a folder left unfinished by an interrupted run is trained again).
     */
    public static synchronized WordVectors shared(Path experimentOut, List<String> corpus, int threads, long seed,
                                                  DatasetRegistry registry, PrintStream log) throws IOException {
        Path dir = experimentOut.resolve(FOLDER);
        if (!Files.isRegularFile(dir.resolve(WordVectors.CONFIG_FILE))) {
            log.println("experiment: training static vectors (" + SHARED_METHOD.label() + ", dim " + SHARED_DIM
                    + ") on " + String.join(", ", corpus) + " into " + dir);
            VectorsSpec spec = VectorsSpec.builder(SHARED_METHOD, corpus, dir).dim(SHARED_DIM)
                    .run(r -> r.withThreads(threads).withSeed(seed).withOverwrite(true)).build();
            VectorTraining.run(spec, registry, log, Integer.MAX_VALUE);
        }
        return WordVectors.load(dir);
    }

    /** Chooses C by cross-validation on {@code train}, then fits on all of it. */
    public static VectorClassifier train(List<ClassificationExample> train, LabelSet labels, WordVectors vectors,
                                         Features features, BagOfWords.Options options) {
        Map<String, Integer> counts = BagOfWords.classCounts(train, labels, "a classifier");
        BagOfWords.ChosenC chosen = BagOfWords.chooseC(train, labels, options, counts, (part, held) -> {
            TfIdf v = features == Features.VECTORS ? null
                    : TfIdf.fit(BagOfWords.texts(part), options.maxNgram(), options.minDf());
            return new BagOfWords.FoldFeatures(rows(part, v, vectors), rows(held, v, vectors), width(v, vectors));
        });
        TfIdf v = features == Features.VECTORS ? null
                : TfIdf.fit(BagOfWords.texts(train), options.maxNgram(), options.minDf());
        SoftmaxRegression m = SoftmaxRegression.fit(rows(train, v, vectors), BagOfWords.classes(train, labels),
                labels.size(),
                width(v, vectors), chosen.c(), options.maxIterations(), options.gradientTolerance());
        return new VectorClassifier(features, vectors, v, m, labels, chosen);
    }

    private static int width(TfIdf v, WordVectors vectors) {
        return (v == null ? 0 : v.features()) + vectors.dim();
    }

    private static TfIdf.Row[] rows(List<ClassificationExample> examples, TfIdf v, WordVectors vectors) {
        TfIdf.Row[] out = new TfIdf.Row[examples.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = row(examples.get(i).text(), v, vectors);
        }
        return out;
    }

    private static TfIdf.Row row(String text, TfIdf v, WordVectors vectors) {
        float[] pooled = vectors.embed(text);
        TfIdf.Row sparse = v == null ? new TfIdf.Row(new int[0], new double[0]) : v.transform(text);
        int offset = v == null ? 0 : v.features();
        int n = sparse.indexes().length;
        int[] indexes = new int[n + pooled.length];
        double[] values = new double[n + pooled.length];
        System.arraycopy(sparse.indexes(), 0, indexes, 0, n);
        System.arraycopy(sparse.values(), 0, values, 0, n);
        for (int c = 0; c < pooled.length; c++) {
            indexes[n + c] = offset + c;
            values[n + c] = pooled[c];
        }
        return new TfIdf.Row(indexes, values);
    }

    public Features features() {
        return features;
    }

    /** The C the model was refit with. */
    public double chosenC() {
        return choice.c();
    }

    /** Held-out accuracy of every C of the grid over all folds; empty when the grid had one C. */
    public Map<Double, Double> crossValidationAccuracy() {
        return choice.accuracy();
    }

    /** The most probable class id of each text. */
    public int[] predict(List<String> texts) {
        int[] out = new int[texts.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = model.predict(row(texts.get(i), vectorizer, vectors));
        }
        return out;
    }

    /** Accuracy, macro-F1, per-class scores and confusion on labeled examples. */
    public ClassificationMetrics evaluate(List<ClassificationExample> test) {
        return ClassificationMetrics.compute(BagOfWords.gold(test, labels), predict(BagOfWords.texts(test)),
                labels.labels());
    }
}
