package dev.graft.task;

import dev.graft.tokenizer.Tokenizer;
import dev.graft.tokenizer.TokenizerTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

class EncodedCorpusCacheTest {
    private static List<String> documents(int n, String salt) {
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            docs.add("the " + salt + " river " + i + " runs past the mill\nand the mill turns " + (i * 7 % 13) + " times");
        }
        return docs;
    }

    private static Tokenizer tokenizer(List<String> docs, int vocab) {
        return TokenizerTrainer.train(TokenizerTrainer.Settings.of(TokenizerTrainer.Type.WORDPIECE, vocab), docs)
                .tokenizer();
    }

    private static void assertSame(EncodedCorpus a, EncodedCorpus b) {
        assertThat(a.tokenCount()).isEqualTo(b.tokenCount());
        assertThat(a.sentenceCount()).isEqualTo(b.sentenceCount());
        assertThat(a.documentCount()).isEqualTo(b.documentCount());
        for (int i = 0; i < a.tokenCount(); i++) {
            assertThat(a.token(i)).as("token %d", i).isEqualTo(b.token(i));
            assertThat(a.word(i)).as("word %d", i).isEqualTo(b.word(i));
        }
        for (int i = 0; i < a.sentenceCount(); i++) {
            assertThat(a.sentenceEnd(i)).isEqualTo(b.sentenceEnd(i));
        }
        for (int i = 0; i < a.documentCount(); i++) {
            assertThat(a.documentEnd(i)).isEqualTo(b.documentEnd(i));
        }
    }

    @Test
    void theSameTextIsTokenizedOnceAndAsTheEncoderDoes() {
        List<String> docs = documents(300, "once");
        Tokenizer tok = tokenizer(docs, 99);
        assertThat(EncodedCorpusCache.encodings(tok, docs)).isZero();
        EncodedCorpus first = EncodedCorpusCache.encode(tok, docs.iterator(), 2);
        EncodedCorpus second = EncodedCorpusCache.encode(tok, new ArrayList<>(docs).iterator(), 1);
        assertThat(second).isSameAs(first);
        assertThat(EncodedCorpusCache.encodings(tok, docs)).isEqualTo(1);
        assertSame(first, CorpusEncoder.encode(tok, docs.iterator(), 1, null));
    }

    @Test
    void otherTextOrAnotherTokenizerIsTokenizedAgain() {
        List<String> docs = documents(200, "other");
        Tokenizer tok = tokenizer(docs, 99);
        EncodedCorpus base = EncodedCorpusCache.encode(tok, docs.iterator(), 1);

        List<String> edited = new ArrayList<>(docs);
        edited.set(150, edited.get(150) + " again");
        EncodedCorpus afterEdit = EncodedCorpusCache.encode(tok, edited.iterator(), 1);
        assertThat(afterEdit).isNotSameAs(base);
        assertThat(afterEdit.tokenCount()).isGreaterThan(base.tokenCount());

        // the same characters split into documents differently is other text
        List<String> joined = new ArrayList<>(docs.subList(2, docs.size()));
        joined.add(0, docs.get(0) + docs.get(1));
        assertThat(EncodedCorpusCache.encode(tok, joined.iterator(), 1)).isNotSameAs(base);

        Tokenizer smaller = tokenizer(docs, 61); // the text has fewer than 99 words: a smaller vocabulary differs
        assertThat(smaller.fingerprint()).isNotEqualTo(tok.fingerprint());
        EncodedCorpus otherTok = EncodedCorpusCache.encode(smaller, docs.iterator(), 1);
        assertThat(otherTok).isNotSameAs(base);
        assertSame(otherTok, CorpusEncoder.encode(smaller, docs.iterator(), 1, null));
        assertThat(EncodedCorpusCache.encodings(tok, docs)).isEqualTo(1);
        assertThat(EncodedCorpusCache.encodings(smaller, docs)).isEqualTo(1);
    }

    @Test
    void aTokenizerSavedAndLoadedAgainHitsTheCache(@TempDir Path dir) throws IOException {
        List<String> docs = documents(120, "reload");
        Tokenizer tok = tokenizer(docs, 99);
        EncodedCorpus first = EncodedCorpusCache.encode(tok, docs.iterator(), 1);
        Tokenizer loaded = Tokenizer.load(tok.save(dir));
        assertThat(loaded).isNotSameAs(tok);
        assertThat(loaded.fingerprint()).isEqualTo(tok.fingerprint());
        assertThat(EncodedCorpusCache.encode(loaded, docs.iterator(), 1)).isSameAs(first);
    }

    @Test
    void runsAskingAtOnceShareOneTokenization() throws Exception {
        List<String> docs = documents(2_000, "concurrent");
        Tokenizer tok = tokenizer(docs, 99);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<EncodedCorpus>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> EncodedCorpusCache.encode(tok, docs.iterator(), 1)));
            }
            EncodedCorpus first = results.get(0).get();
            for (Future<EncodedCorpus> f : results) {
                assertThat(f.get()).isSameAs(first);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(EncodedCorpusCache.encodings(tok, docs)).isEqualTo(1);
    }
}
