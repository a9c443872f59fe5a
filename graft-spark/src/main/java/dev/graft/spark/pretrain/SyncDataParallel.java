package dev.graft.spark.pretrain;

import dev.graft.SpecException;
import dev.graft.io.RunFolder;
import dev.graft.model.Checkpoint;
import dev.graft.model.LanguageModel;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.nn.ParameterSet;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.spark.TaskFailure;
import dev.graft.task.LanguageModelingTask;
import dev.graft.task.PretrainingData;
import dev.graft.train.BatchStream;
import dev.graft.train.ForwardingTrainable;
import dev.graft.train.OptimizerSpec;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingOptions;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Synchronous data-parallel pretraining on Spark, the exact mode: graft's own {@link Trainer} runs on the driver
 * (schedule, clipping, AdamW, logging, validation, checkpoints, resume: all of graft pretrain's), and each update's
 * gradient is computed by a Spark job: K tasks each take their share of the update's micro-batches (worker k the
 * k-th group of {@code --accumulate} consecutive ones), the gradients are summed in a fixed tree ({@link DeltaSum}),
 * and the driver steps AdamW. An update over K x A micro-batches equals single-process gradient accumulation over
 * the same micro-batches ({@code graft pretrain --accumulate K*A}) up to the order of the gradient sums.
 */
public final class SyncDataParallel {
    private SyncDataParallel() {
    }

    /**
     * Runs {@code spec} with {@code workers} tasks per update; {@code spec.accumulate()} is each worker's
     * micro-batches per update.
     */
    public static Trainer.Summary run(PretrainSpec spec, int workers, SparkSession session, PrintStream log)
            throws IOException {
        return run(spec, workers, session, false, log);
    }

    /** {@link #run(PretrainSpec, int, SparkSession, PrintStream)}, the corpus tokenized by a Spark job when asked. */
    public static Trainer.Summary run(PretrainSpec spec, int workers, SparkSession session,
                                      boolean tokenizeOnExecutors, PrintStream log) throws IOException {
        if (workers < 1) {
            throw new SpecException("workers", "workers must be at least 1, got " + workers);
        }
        try (RunFolder folder = RunFolder.open(spec.out(), new RunFolder.Request("spark pretrain",
                spec.run().overwrite(), spec.run().resume(), Trainer::latestCheckpoint), log)) {
            boolean resuming = folder.resuming();
            Diloco.Prepared prep = Diloco.prepare(spec, resuming, tokenizeOnExecutors
                    ? JavaSparkContext.fromSparkContext(session.sparkContext()) : null, log);
            Path out = spec.out();
            int perWorker = spec.accumulate();
            OptimizerSpec opt = spec.optimizer();
            InnerJob job = new InnerJob(prep.config(), spec.objective(), spec.seqLen(), prep.ids(),
                    spec.maskProbability(), spec.wholeWordMask(), spec.monitoring().validationSequences(),
                    spec.batchSize(), perWorker, opt.learningRate(), opt.schedule().id(), opt.warmup(),
                    opt.weightDecay(), opt.clip(), spec.run().seed(), Math.max(1, spec.run().steps()), 1, workers,
                    spec.run().threads(), out, false);
            // graft's own trainer on the driver: --max-time plans the updates from their measured time as in
            // graft pretrain, --skip-nonfinite skips an update whose summed loss is not finite; the betas are the
            // inner job's
            TrainingOptions options = opt.withBetas(InnerJob.BETA1, InnerJob.BETA2).trainingOptions(spec.run(),
                    spec.monitoring(), workers * perWorker, spec.skipNonFinite());
            Compute compute = Compute.create(spec.run().threads());
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(session.sparkContext());
            Broadcast<FlatCorpus> corpus = sc.broadcast(FlatCorpus.of(prep.encoded()));
            try {
                LanguageModel lm = new LanguageModel(compute, prep.config(), spec.run().seed());
                log.printf(java.util.Locale.ROOT, "model: %s, %,d parameters; synchronous data parallel: %d workers x "
                        + "%d micro-batches per update%n", spec.arch(), lm.parameterSet().count(), workers, perWorker);
                List<TokenBatch> validation = prep.data().validationBatches(spec.batchSize(), prep.masker());
                folder.begin();
                Path tokenizerFile = out.resolve(Checkpoint.TOKENIZER);
                if (!resuming || !Files.exists(tokenizerFile)) {
                    prep.tokenizer().save(tokenizerFile);
                }
                LanguageModelingTask task = new LanguageModelingTask(lm, validation,
                        dir -> Files.copy(tokenizerFile, dir.resolve(Checkpoint.TOKENIZER),
                                StandardCopyOption.REPLACE_EXISTING));
                String key = sc.sc().applicationId() + "/" + corpus.id();
                BatchStream<TokenBatch> counting = prep.data().trainingStream(spec.batchSize(), prep.masker(),
                        spec.run().seed());
                Distributed model = new Distributed(task, lm, job, workers, perWorker, sc,
                        new BroadcastSource(key, corpus), counting);
                Positions positions = new Positions(counting.batchesPerEpoch());
                return new Trainer<>(compute, model, positions, options, out, log)
                        .resumeHint("add --resume to the same graft spark pretrain command").run(resuming);
            } finally {
                corpus.destroy();
                compute.parallel().close();
            }
        }
    }

    /** The batch stream as positions: the tasks build the batches themselves. */
    static final class Positions implements BatchStream<Long> {
        private final long perEpoch;
        private long position;

        Positions(long perEpoch) {
            this.perEpoch = perEpoch;
        }

        @Override
        public Long next() {
            return position++;
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public void seek(long p) {
            position = p;
        }

        @Override
        public long batchesPerEpoch() {
            return perEpoch;
        }
    }

    /** The driver's model, whose gradients come from the executors. */
    static final class Distributed extends ForwardingTrainable<Long> {
        private final LanguageModelingTask task;
        private final LanguageModel lm;
        private final InnerJob job;
        private final int workers;
        private final int perWorker;
        private final JavaSparkContext sc;
        private final InnerJob.EncodedCorpusSource corpus;
        private final BatchStream<TokenBatch> counting;

        Distributed(LanguageModelingTask task, LanguageModel lm, InnerJob job, int workers, int perWorker,
                    JavaSparkContext sc, InnerJob.EncodedCorpusSource corpus, BatchStream<TokenBatch> counting) {
            super(task); // parameters, saving, evaluation and the rest are the task's
            this.task = task;
            this.lm = lm;
            this.job = job;
            this.workers = workers;
            this.perWorker = perWorker;
            this.sc = sc;
            this.corpus = corpus;
            this.counting = counting;
        }



        @Override
        public StepResult trainStep(List<Long> microBatches) {
            if (microBatches.size() != workers * perWorker) {
                throw new IllegalStateException(microBatches.size() + " micro-batches for " + workers + " x "
                        + perWorker);
            }
            int total = 0; // the update's predicted positions: every worker normalizes by them
            for (long p : microBatches) {
                counting.seek(p);
                total += LanguageModel.countTargets(counting.next());
            }
            List<Integer> ids = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                ids.add(w);
            }
            long[][] shares = new long[workers][perWorker];
            for (int i = 0; i < microBatches.size(); i++) {
                shares[i / perWorker][i % perWorker] = microBatches.get(i);
            }
            ParameterSet ps = lm.parameterSet();
            Broadcast<float[]> params = sc.broadcast(ps.values().clone());
            int normalizer = total;
            InnerJob j = job;
            InnerJob.EncodedCorpusSource source = corpus;
            DeltaSum sum;
            try {
                sum = sc.parallelize(ids, workers)
                        .map(w -> j.gradients(w, shares[w], normalizer, params.value(), source))
                        .treeAggregate(new DeltaSum(workers), DeltaSum::add, DeltaSum::merge, 2);
            } catch (Exception e) { // Spark throws its SparkException (checked) unannounced
                IllegalArgumentException why = TaskFailure.explained(e);
                if (why != null) {
                    throw why;
                }
                throw e;
            } finally {
                params.destroy();
            }
            System.arraycopy(sum.sum(), 0, ps.grads(), 0, ps.count());
            double loss = 0;
            for (int w = 0; w < workers; w++) {
                loss += sum.losses(w)[0];
            }
            return new StepResult(total == 0 ? 0 : loss / total, sum.tokens(), Map.of());
        }



    }

    private record BroadcastSource(String key, Broadcast<FlatCorpus> broadcast) implements InnerJob.EncodedCorpusSource {
        @Override
        public FlatCorpus get() {
            return broadcast.value();
        }
    }
}
