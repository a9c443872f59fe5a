package dev.graft.pretrain;

import dev.graft.data.CorpusReader;
import dev.graft.train.Monitoring;
import dev.graft.train.OptimizerSpec;
import dev.graft.train.RunOptions;
import dev.graft.train.TrainingSpecBuilder;

import java.util.List;

/**
 * What the builders of the specs that train on a text corpus in batches of token sequences share (pretraining,
 * distillation): the corpus, how its files are read, the batch size and the sequence length, with their common
 * defaults (a document per line, 32 sequences of 128 tokens).
 */
public abstract class CorpusSpecBuilder<B extends CorpusSpecBuilder<B>> extends TrainingSpecBuilder<B> {
    protected List<String> corpus;
    protected CorpusReader.Layout layout = CorpusReader.Layout.LINES;
    protected int batchSize = 32;
    protected int seqLen = 128;

    protected CorpusSpecBuilder(List<String> corpus, OptimizerSpec optimizer, Monitoring monitoring,
                                RunOptions run) {
        super(optimizer, monitoring, run);
        this.corpus = corpus;
    }

    public B corpus(List<String> v) { corpus = v; return self(); }
    public B layout(CorpusReader.Layout v) { layout = v; return self(); }
    public B batchSize(int v) { batchSize = v; return self(); }
    public B seqLen(int v) { seqLen = v; return self(); }
}
