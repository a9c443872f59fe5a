package dev.graft.pretrain;

import dev.graft.data.DatasetRegistry;
import dev.graft.model.Checkpoint;
import dev.graft.model.SafeTensors;
import dev.graft.nn.Embedding;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.tokenizer.TokenizerTrainer;
import dev.graft.vectors.EmbeddingInit;
import dev.graft.vectors.VectorTraining;
import dev.graft.vectors.VectorsSpec;
import dev.graft.vectors.WordVectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Token embeddings initialized from static vectors ({@code graft pretrain --init-embeddings}, issue 17's
 * vectors-init arms): the rows the vectors trained are theirs, scaled to the initializer's standard deviation;
 * the others keep their random draw; vectors that do not fit the model are refused with what to do.
 */
class InitEmbeddingsTest {
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());
    private static final int HIDDEN = 16;

    @TempDir
    Path dir;

    private Path tokenizer(Path corpus) throws IOException {
        Tokenizer t = TokenizerTrainer.train(TokenizerTrainer.Settings.of(TokenizerTrainer.Type.WORDPIECE, 99)
                .withThreads(1).withLowercase(true), Files.readAllLines(corpus)).tokenizer();
        Path tokDir = dir.resolve("tok");
        t.save(tokDir);
        return tokDir;
    }

    private Path vectors(Path corpus, Path tokDir, int dim, String name) throws IOException {
        Path out = dir.resolve(name);
        VectorsSpec.Builder b = VectorsSpec.builder(VectorsSpec.Method.PPMI_SVD, List.of(corpus.toString()), out)
                .dim(dim).minCount(2);
        if (tokDir != null) {
            b.tokenizer(tokDir);
        }
        VectorTraining.run(b.build(), DatasetRegistry.standard(), QUIET, Integer.MAX_VALUE);
        return out;
    }

    @Test
    void trainedRowsComeFromTheVectorsAtTheInitializersScaleTheRestStayRandom() throws IOException {
        Path corpus = PretrainRecipeTest.corpus(dir, 80);
        Path tokDir = tokenizer(corpus);
        Path vecDir = vectors(corpus, tokDir, HIDDEN, "vec");
        Tokenizer tok = Tokenizer.load(tokDir.resolve(Checkpoint.TOKENIZER));
        WordVectors v = WordVectors.load(vecDir);

        Embedding table = new Embedding("word_embeddings.weight", tok.vocabularySize(), HIDDEN, "token id");
        float[] data = table.weight().value().data();
        Random r = new Random(1);
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) r.nextGaussian() * 0.02f;
        }
        float[] before = data.clone();
        EmbeddingInit.Applied a = EmbeddingInit.apply(vecDir, tok, table, 0.02);

        float[] scaled = v.matrixScaledTo(0.02);
        int trained = 0;
        double squares = 0;
        for (int id = 0; id < tok.vocabularySize(); id++) {
            for (int c = 0; c < HIDDEN; c++) {
                float got = data[id * HIDDEN + c];
                if (v.trained(id)) {
                    assertThat(got).as("token %d, dimension %d", id, c).isEqualTo(scaled[id * HIDDEN + c]);
                    squares += (double) got * got;
                } else {
                    assertThat(got).as("untrained token %d keeps its draw", id).isEqualTo(before[id * HIDDEN + c]);
                }
            }
            trained += v.trained(id) ? 1 : 0;
        }
        assertThat(trained).as("some tokens trained, some (the special tokens) not")
                .isBetween(10, tok.vocabularySize() - 4);
        assertThat(a).isEqualTo(new EmbeddingInit.Applied(trained, tok.vocabularySize(), HIDDEN));
        assertThat(Math.sqrt(squares / ((double) trained * HIDDEN))).as("the trained rows' standard deviation")
                .isCloseTo(0.02, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void aPretrainingRunStartsFromTheVectors() throws IOException {
        Path corpus = PretrainRecipeTest.corpus(dir, 80);
        Path tokDir = tokenizer(corpus);
        Path vecDir = vectors(corpus, tokDir, HIDDEN, "vec");
        Path out = dir.resolve("run");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        // one update at a rate too small to move a weight by more than about 1e-7
        Pretraining.run(PretrainRecipeTest.tiny(corpus, out).tokenizer(t -> t.withPath(tokDir.resolve(
                        Checkpoint.TOKENIZER))).initEmbeddings(vecDir).run(ro -> ro.withSteps(1))
                .optimizer(o -> o.withLearningRate(1e-7f).withWarmup(0)).build(),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        WordVectors v = WordVectors.load(vecDir);
        float[] scaled = v.matrixScaledTo(0.02);
        assertThat(log.toString(StandardCharsets.UTF_8)).containsPattern("token embeddings: \\d+ of "
                + v.size() + " rows from the vectors in ");
        float[] saved = SafeTensors.read(out.resolve(Checkpoint.WEIGHTS))
                .get("bert.embeddings.word_embeddings.weight").floats();
        int compared = 0;
        for (int id = 0; id < v.size(); id++) {
            if (v.trained(id)) {
                for (int c = 0; c < HIDDEN; c++) {
                    assertThat((double) saved[id * HIDDEN + c]).as("token %d", id)
                            .isCloseTo(scaled[id * HIDDEN + c], org.assertj.core.data.Offset.offset(1e-5));
                }
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(10);
    }

    @Test
    void vectorsThatDoNotFitTheModelAreRefused() throws IOException {
        Path corpus = PretrainRecipeTest.corpus(dir, 80);
        Path tokDir = tokenizer(corpus);
        Path narrow = vectors(corpus, tokDir, 8, "narrow");
        Path words = vectors(corpus, null, HIDDEN, "words");
        Tokenizer tok = Tokenizer.load(tokDir.resolve(Checkpoint.TOKENIZER));
        Embedding table = new Embedding("word_embeddings.weight", tok.vocabularySize(), HIDDEN, "token id");

        assertThatThrownBy(() -> EmbeddingInit.apply(narrow, tok, table, 0.02))
                .hasMessageContaining("has vectors of 8 dimensions but the model's token embeddings are 16 wide")
                .hasMessageContaining("--dim 16");
        assertThatThrownBy(() -> EmbeddingInit.apply(words, tok, table, 0.02))
                .hasMessageContaining("holds vectors of words, not of tokens")
                .hasMessageContaining("graft vectors train --tokenizer");
        Tokenizer other = TokenizerTrainer.train(TokenizerTrainer.Settings.of(TokenizerTrainer.Type.WORDPIECE, 99)
                .withThreads(1).withLowercase(true), List.of("zebra quokka axolotl", "numbat wombat")).tokenizer();
        assertThatThrownBy(() -> EmbeddingInit.apply(narrow, other, new Embedding("w", other.vocabularySize(), 8,
                "token id"), 0.02)).hasMessageContaining("train the vectors with the model's tokenizer");
        // refused before the run folder is written
        Path out = dir.resolve("refused");
        assertThatThrownBy(() -> Pretraining.run(PretrainRecipeTest.tiny(corpus, out).tokenizer(t -> t.withPath(
                tokDir.resolve(Checkpoint.TOKENIZER))).initEmbeddings(narrow).build(), QUIET))
                .hasMessageContaining("16 wide");
        assertThat(out).doesNotExist();
    }
}
