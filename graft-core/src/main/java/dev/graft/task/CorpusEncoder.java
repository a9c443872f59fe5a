package dev.graft.task;

import dev.graft.tokenizer.Encoding;
import dev.graft.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * Tokenizes a stream of documents into an {@link EncodedCorpus}, several documents at a time on
 * {@code threads} threads, keeping their order. Each line of a document is one sentence (for
 * MLM packing); special tokens are not added (sequence building frames the sequences itself).
 */
public final class CorpusEncoder {
    private static final int CHUNK = 256;

    private CorpusEncoder() {
    }

    /**
     * @param progress called with the number of characters encoded so far (may be null)
     */
    public static EncodedCorpus encode(Tokenizer tokenizer, Iterator<String> documents, int threads,
                                       LongConsumer progress) {
        EncodedCorpus corpus = new EncodedCorpus();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "graft-encode");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<List<List<Encoding>>>> pending = new ArrayList<>();
            long chars = 0;
            while (documents.hasNext() || !pending.isEmpty()) {
                while (documents.hasNext() && pending.size() < 2 * Math.max(1, threads)) {
                    List<String> chunk = new ArrayList<>(CHUNK);
                    while (documents.hasNext() && chunk.size() < CHUNK) {
                        String d = documents.next();
                        chunk.add(d);
                        chars += d.length();
                    }
                    pending.add(pool.submit(() -> encodeChunk(tokenizer, chunk)));
                }
                List<List<Encoding>> done = pending.remove(0).get();
                for (List<Encoding> doc : done) {
                    for (Encoding sentence : doc) {
                        corpus.addSentence(sentence.ids(), sentence.wordIndices());
                    }
                    corpus.endDocument();
                }
                if (progress != null) {
                    progress.accept(chars);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while tokenizing the corpus", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        } finally {
            pool.shutdownNow();
        }
        return corpus;
    }

    private static List<List<Encoding>> encodeChunk(Tokenizer tokenizer, List<String> docs) {
        List<List<Encoding>> out = new ArrayList<>(docs.size());
        for (String d : docs) {
            List<Encoding> sentences = new ArrayList<>();
            for (String line : d.split("\n")) {
                if (!line.isBlank()) {
                    sentences.add(tokenizer.encode(line, false));
                }
            }
            out.add(sentences);
        }
        return out;
    }
}
