package dev.graft;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.api.Checkpoint;
import dev.graft.api.Classifier;
import dev.graft.api.Embedder;
import dev.graft.api.FineTuneOptions;
import dev.graft.api.LabeledData;
import dev.graft.api.Model;
import dev.graft.api.PretrainOptions;
import dev.graft.api.Tagger;
import dev.graft.data.BadInput;
import dev.graft.data.DatasetRegistry;
import dev.graft.finetune.DataSources;
import dev.graft.finetune.FineTuneSpec;
import dev.graft.finetune.FineTunedModel;
import dev.graft.finetune.FineTuning;
import dev.graft.finetune.LabeledSplits;
import dev.graft.model.HeadConfig;
import dev.graft.model.HfConfig;
import dev.graft.model.ModelConfig;
import dev.graft.model.Pretrained;
import dev.graft.model.SentenceTransformersConfig;
import dev.graft.nn.Compute;
import dev.graft.pretrain.Pretraining;
import dev.graft.task.Head;
import dev.graft.task.Heads;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * graft as a library: pretrain a language model, fine-tune it into a {@link Classifier} or a
 * {@link Tagger}, load a fine-tuned model, embed sentences. A {@code Graft} owns the thread pool
 * inference runs on and the thread count training uses; the kernels (Vector API or scalar) are chosen
 * once per JVM. Close it to stop its threads.
 *
 * <pre>{@code
 * try (Graft graft = Graft.create()) {
 *     Checkpoint base = graft.pretrain(PretrainOptions.of(runs.resolve("base"), corpus).withSteps(300));
 *     Classifier classifier = graft.fineTune(base, LabeledData.fromFile(train), FineTuneOptions.into(out));
 *     System.out.println(classifier.predict("a warm, funny film"));
 * }
 * }</pre>
 *
 * Everything a run writes is as {@code graft pretrain} and {@code graft finetune} write it: a model
 * folder the command line reads too. Logs go to {@link #withLog}'s stream (none by default); progress
 * and metrics reach a {@link dev.graft.train.TrainingListener} given in the options.
 */
public final class Graft implements AutoCloseable {
    private final int threads;
    private final Compute compute;
    private final PrintStream log;
    private final DatasetRegistry registry;

    private Graft(int threads, Compute compute, PrintStream log, DatasetRegistry registry) {
        this.threads = threads;
        this.compute = compute;
        this.log = log;
        this.registry = registry;
    }

    /** A graft on every core. */
    public static Graft create() {
        return withThreads(Runtime.getRuntime().availableProcessors());
    }

    /** A graft computing on {@code threads} threads (results are the same for any count). */
    public static Graft withThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        return new Graft(threads, Compute.create(threads), new PrintStream(OutputStream.nullOutputStream()),
                DatasetRegistry.standard());
    }

    /** This graft writing the runs' log lines (what the commands print) to {@code out}; shares the threads. */
    public Graft withLog(PrintStream out) {
        return new Graft(threads, compute, out, registry);
    }

    /**
     * This graft reading registry sets ({@link LabeledData#fromRegistry}, corpus names) through
     * {@code datasets} instead of the standard registry under {@code ~/.cache/graft}; shares the threads.
     */
    public Graft withRegistry(DatasetRegistry datasets) {
        return new Graft(threads, compute, log, datasets);
    }

    public int threads() {
        return threads;
    }

    // ------------------------------------------------------------------ training

    /**
     * Pretrains a language model ({@code graft pretrain}): trains a tokenizer on the corpus, then the
     * preset's masked-LM (bert-*) or causal-LM (gpt-*) objective. The run folder is the checkpoint.
     */
    public Checkpoint pretrain(PretrainOptions options) throws IOException {
        Pretraining.Result r = Pretraining.run(options.toSpec(threads), registry, log, options.listener());
        return new Checkpoint(r.out());
    }

    /** Fine-tunes {@code from} on {@code data}: a {@link Classifier} for labeled texts, a {@link Tagger} for tagged sentences. */
    public <M extends Model> M fineTune(Checkpoint from, LabeledData<M> data, FineTuneOptions options)
            throws IOException {
        return fineTune(from.folder(), data, options);
    }

    /** As {@link #fineTune(Checkpoint, LabeledData, FineTuneOptions)} from a checkpoint folder. */
    public <M extends Model> M fineTune(Path from, LabeledData<M> data, FineTuneOptions options) throws IOException {
        return run(from, Heads.of(data.task()), data, options);
    }

    private <E, B, M extends Model> M run(Path from, Head<E, B> head, LabeledData<M> data, FineTuneOptions options)
            throws IOException {
        DataSources sources = new DataSources(registry, log);
        LabeledSplits<E> splits = data.read(head, sources, BadInput.strict());
        LabeledData<M> dev = data.dev();
        LabeledData<M> test = data.test();
        FineTuneSpec spec = options.toSpec(data.task(), from, data.describe(), dev == null ? null : dev.describe(),
                test == null ? null : test.describe(), threads);
        FineTuning.run(spec, head, splits, log, options.listener());
        return load(spec.run().out(), data.modelType());
    }

    // ------------------------------------------------------------------ models

    /**
     * The fine-tuned model in {@code folder}: a {@link Classifier} or a {@link Tagger}. Multi-label and
     * sentence-pair models are not served here yet: an {@link UnsupportedOperationException} names the
     * command that uses them. A folder without a task head is an error pointing to {@link #embedder} and
     * {@link #fineTune}.
     */
    public Model load(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new NoSuchFileException(folder + (Files.exists(folder) ? " is not a folder" : " does not exist")
                    + ": give the folder of a fine-tuned model");
        }
        Path configFile = folder.resolve(dev.graft.model.Checkpoint.CONFIG);
        JsonNode json = HeadConfig.readJson(configFile);
        ModelConfig config = HfConfig.fromJson(json, configFile);
        HeadConfig head = HeadConfig.read(json, config, configFile).orElseThrow(() -> new IllegalArgumentException(
                folder + " has no task head (" + HeadConfig.architectureOf(json) + "): embed with it through "
                        + "Graft.embedder(folder), or fine-tune it with Graft.fineTune"));
        DataSources sources = new DataSources(registry, log);
        return switch (head.task()) {
            case CLASSIFY -> Classifier.of(FineTunedModel.load(folder, compute), sources);
            case TAG -> Tagger.of(FineTunedModel.load(folder, compute), sources);
            case MULTI_LABEL -> throw new UnsupportedOperationException(folder + " is " + head.task().describe()
                    + ", which the library front door does not serve yet: use graft predict --model " + folder
                    + " and graft eval --model " + folder);
            case PAIR -> throw new UnsupportedOperationException(folder + " is " + head.task().describe()
                    + ", which the library front door does not serve yet: use graft predict --model " + folder
                    + " (input lines {\"text\", \"text_pair\"}) and graft eval --model " + folder);
        };
    }

    /** As {@link #load(Path)}, requiring a model of {@code type} (an error naming what the folder holds). */
    public <M extends Model> M load(Path folder, Class<M> type) throws IOException {
        Model m = load(folder);
        if (!type.isInstance(m)) {
            throw new IllegalArgumentException(folder + " holds a " + m.getClass().getSimpleName() + ", not a "
                    + type.getSimpleName());
        }
        return type.cast(m);
    }

    /**
     * Sentence embeddings from the encoder in {@code folder} (a pretrained, imported or fine-tuned model),
     * with the folder's sentence-transformers defaults ({@link Embedder}).
     */
    public Embedder embedder(Path folder) throws IOException {
        Pretrained p = Pretrained.loadBackbone(folder, compute);
        return Embedder.of(p, SentenceTransformersConfig.read(folder));
    }

    /** Stops the threads; models loaded from this graft must not be used afterwards. */
    @Override
    public void close() {
        compute.parallel().close();
    }
}
