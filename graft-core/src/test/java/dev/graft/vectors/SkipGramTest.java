package dev.graft.vectors;

import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tensor.kernel.Kernels;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Skip-gram with negative sampling on a corpus with planted synonyms. */
class SkipGramTest {
    private static final int DIM = 11;
    private static final int NOISE_TABLE = 9_973;

    private static SkipGram.Settings settings(int threads, long seed) {
        // t = 0: with 24 words every word is "frequent" and t = 1e-4 would drop nearly all of them
        return new SkipGram.Settings(DIM, 1, 3, 8, 0, VectorsSpec.defaults(VectorsSpec.Method.SGNS).learningRate(),
                VectorsSpec.defaults(VectorsSpec.Method.SGNS).noisePower(), NOISE_TABLE, 997, threads, seed);
    }

    private static SkipGram.State train(UnitCorpus corpus, SkipGram.Settings s) throws IOException {
        try (Parallel parallel = new Parallel(s.threads())) {
            Kernels kernels = KernelProvider.create(parallel);
            SkipGram sgns = new SkipGram(corpus, s, kernels);
            SkipGram.State state = sgns.initialState();
            sgns.train(state, 0, s.epochs(), parallel, null, null);
            return state;
        }
    }

    private static UnitCorpus corpus() {
        return UnitCorpus.ofWords(PlantedCorpus.sentences(3001, 5).iterator(), 1);
    }

    @Test
    void plantedPairsAreEachOthersNearestNeighbours() throws IOException {
        UnitCorpus corpus = corpus();
        for (int threads : new int[] {1, 3}) {
            SkipGram.State state = train(corpus, settings(threads, 17));
            WordVectors v = WordVectors.of(corpus.vocabulary(), state.input(), DIM, UnitCorpus.Units.WORDS, null);
            for (int p = 0; p < PlantedCorpus.PAIRS; p++) {
                for (int which = 0; which < 2; which++) {
                    String word = PlantedCorpus.member(p, which);
                    assertThat(v.nearest(word, 1).get(0).unit()).as("nearest of %s at %d threads", word, threads)
                            .isEqualTo(PlantedCorpus.member(p, 1 - which));
                }
            }
        }
    }

    @Test
    void sameSeedAndThreadsGiveTheSameVectors() throws IOException {
        UnitCorpus corpus = corpus();
        for (int threads : new int[] {1, 3}) {
            SkipGram.State a = train(corpus, settings(threads, 23));
            SkipGram.State b = train(corpus, settings(threads, 23));
            assertThat(b.input()).as("%d threads", threads).containsExactly(a.input());
            assertThat(b.output()).containsExactly(a.output());
        }
        SkipGram.State other = train(corpus, settings(1, 24));
        assertThat(other.input()).isNotEqualTo(train(corpus, settings(1, 23)).input());
    }

    @Test
    void untrainedUnitsKeepZeroRows() throws IOException {
        List<String> vocabulary = List.of("a", "b", "c", "rare");
        UnitCorpus corpus = UnitCorpus.ofIds(UnitCorpus.Units.WORDS, vocabulary,
                List.of(new int[] {0, 1, 2, 0, 1, 2, 3}, new int[] {2, 1, 0, 1}), 2);
        assertThat(corpus.trained(3)).isFalse();
        SkipGram.State s = train(corpus, new SkipGram.Settings(3, 2, 2, 2, 0, 0.025, 0.75, 101, 5, 2, 1));
        for (int c = 0; c < 3; c++) {
            assertThat(s.input()[3 * 3 + c]).isZero();
            assertThat(s.output()[3 * 3 + c]).isZero();
        }
    }
}
