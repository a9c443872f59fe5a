package dev.graft.task;

import dev.graft.finetune.Fixtures;
import dev.graft.model.Backbone;
import dev.graft.model.HeadConfig;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.SequenceClassifier;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.nn.Pooling;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.ScalarKernels;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.train.BatchStream;
import dev.graft.train.Trainable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Multitask training: gradient = task gradient + λ·LM gradient on the shared body; the mixing stream. */
class MultitaskTaskTest {
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(new ScalarKernels(), ONE);

    @AfterAll
    static void close() {
        ONE.close();
    }

    @Test
    void gradientIsTaskPlusWeightedLanguageModel() {
        Tokenizer tok = Fixtures.wordPiece();
        ModelConfig config = Fixtures.tiny(ModelConfig.Architecture.ENCODER, tok.vocabularySize(),
                tok.specialTokens().padding().getAsInt());
        LanguageModel lm = new LanguageModel(COMPUTE, config, 5);
        Backbone body = lm.backbone();
        SequenceClassifier clf = new SequenceClassifier(COMPUTE, body, Pooling.MEAN, 2, 6);
        clf.setTraining(false);
        List<String> texts = List.of("the movie was good", "awful plot", "really superb acting");
        ClassificationData data = ClassificationData.encode(tok, texts, new int[] {1, 0, 1}, 32,
                tok.specialTokens().padding().getAsInt());
        HeadConfig head = new HeadConfig(HeadConfig.Task.CLASSIFY, List.of("negative", "positive"),
                Pooling.MEAN, 32);
        ClassificationTask task = new ClassificationTask(clf, head, null, 8, null);
        ClassificationBatch cb = data.batch(new int[] {0, 1, 2});
        int[] ids = cb.tokens().inputIds().clone();
        int[] targets = new int[ids.length];
        java.util.Arrays.fill(targets, TokenBatch.IGNORE);
        targets[1] = ids[1];
        targets[2] = ids[2];
        ids[1] = tok.specialTokens().mask().getAsInt();
        TokenBatch lmBatch = new TokenBatch(cb.tokens().batch(), cb.tokens().time(), ids, null,
                cb.tokens().attentionMask(), targets);
        float lambda = 0.3f;
        MultitaskTask<ClassificationBatch> mt = new MultitaskTask<>(COMPUTE, task, lm, lambda, List.of());
        mt.setTraining(false);
        var set = mt.parameters();
        // separately: task gradient, then LM gradient
        set.zeroGrads();
        task.trainStep(List.of(cb));
        float[] gTask = set.grads().clone();
        set.zeroGrads();
        lm.forward(lmBatch, true);
        float[] gLm = set.grads().clone();
        // together
        set.zeroGrads();
        Trainable.StepResult r = mt.trainStep(List.of(new MultitaskBatch<>(cb, List.of(lmBatch))));
        float[] g = set.grads();
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < g.length; i++) {
            worst = Math.max(worst, Math.abs(g[i] - (gTask[i] + lambda * gLm[i])));
            scale = Math.max(scale, Math.abs(g[i]));
        }
        assertThat(scale).isGreaterThan(0);
        assertThat(worst).isLessThan(1e-6 * Math.max(1, scale));
        assertThat(r.parts()).containsKeys("task", "lm");
        assertThat(r.loss()).isCloseTo(r.parts().get("task") + lambda * r.parts().get("lm"), within(1e-9));
    }

    @Test
    void mixingRatioSpreadsLanguageModelBatchesEvenlyAndResumes() {
        BatchStream<Integer> task = counter();
        BatchStream<Integer> lmInts = counter();
        BatchStream<TokenBatch> lm = new BatchStream<>() {
            public TokenBatch next() {
                int v = lmInts.next();
                return new TokenBatch(1, 1, new int[] {v}, null, null, null);
            }

            public long position() {
                return lmInts.position();
            }

            public void seek(long p) {
                lmInts.seek(p);
            }

            public long batchesPerEpoch() {
                return 100;
            }
        };
        BatchStream<MultitaskBatch<Integer>> s = MultitaskTask.mix(task, lm, 0.5);
        List<Integer> counts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            counts.add(s.next().lm().size());
        }
        assertThat(counts).containsExactly(0, 1, 0, 1, 0, 1);
        s.seek(3);
        MultitaskBatch<Integer> b = s.next();
        assertThat(b.task()).isEqualTo(3);
        assertThat(b.lm().get(0).inputIds()[0]).isEqualTo(1); // the second LM batch, as in the first pass
        BatchStream<MultitaskBatch<Integer>> two = MultitaskTask.mix(counter(), lm, 2);
        assertThat(two.next().lm()).hasSize(2);
    }

    private static BatchStream<Integer> counter() {
        return new BatchStream<>() {
            long p;

            public Integer next() {
                return (int) p++;
            }

            public long position() {
                return p;
            }

            public void seek(long position) {
                p = position;
            }

            public long batchesPerEpoch() {
                return 10;
            }
        };
    }
}
