package dev.graft.task;

import dev.graft.io.Sha256;
import dev.graft.tokenizer.Tokenizer;

import java.lang.ref.SoftReference;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpora tokenized once per process. The runs of one {@code graft experiment} (every fold of every
 * multitask cell) add the same corpus, tokenized by the same tokenizer, to their training; tokenizing
 * it is a second or two and a gigabyte of short-lived objects per run, which two cells doing it at
 * once turned into the demo's peak of memory. Here the text is read and hashed (cheap), and
 * tokenized only when no run in this process has tokenized the same text with the same tokenizer
 * (its {@link Tokenizer#fingerprint()}); the documents' content is the key, not their file names, so
 * an edited file is tokenized again.
 *
 * <p>Entries are soft references (the collector may take them back under memory pressure, and the
 * corpus is then tokenized again); at most {@value #ENTRIES} corpora are kept. Callers that ask for the
 * same corpus at once wait for one tokenization. The corpora handed out are shared: read-only.
 */
public final class EncodedCorpusCache {
    static final int ENTRIES = 4;

    private static final Map<String, Slot> SLOTS = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Slot> eldest) {
            return size() > ENTRIES;
        }
    };

    private static final class Slot {
        private SoftReference<EncodedCorpus> corpus = new SoftReference<>(null);
        private int encodings;
    }

    private EncodedCorpusCache() {
    }

    /**
     * {@code documents} tokenized by {@code tokenizer} as {@link CorpusEncoder#encode} does, from this
     * process's cache when the same text was tokenized by the same tokenizer before.
     */
    public static EncodedCorpus encode(Tokenizer tokenizer, Iterator<String> documents, int threads) {
        List<String> docs = new ArrayList<>();
        Slot slot;
        String key = key(tokenizer, documents, docs);
        synchronized (SLOTS) {
            slot = SLOTS.computeIfAbsent(key, k -> new Slot());
        }
        synchronized (slot) {
            EncodedCorpus corpus = slot.corpus.get();
            if (corpus == null) {
                corpus = CorpusEncoder.encode(tokenizer, docs.iterator(), threads, null);
                corpus.trim();
                slot.corpus = new SoftReference<>(corpus);
                slot.encodings++;
            }
            return corpus;
        }
    }

    /** How many times this process tokenized {@code documents} with {@code tokenizer} (0 when never). */
    static int encodings(Tokenizer tokenizer, List<String> documents) {
        String key = key(tokenizer, documents.iterator(), new ArrayList<>());
        Slot slot;
        synchronized (SLOTS) {
            slot = SLOTS.get(key);
        }
        if (slot == null) {
            return 0;
        }
        synchronized (slot) {
            return slot.encodings;
        }
    }

    /** The hash of the tokenizer and the documents (each with its length), which are added to {@code read}. */
    private static String key(Tokenizer tokenizer, Iterator<String> documents, List<String> read) {
        MessageDigest digest = Sha256.digest();
        digest.update(tokenizer.fingerprint().getBytes(StandardCharsets.UTF_8));
        ByteBuffer length = ByteBuffer.allocate(Integer.BYTES);
        while (documents.hasNext()) {
            String d = documents.next();
            byte[] bytes = d.getBytes(StandardCharsets.UTF_8);
            digest.update(length.clear().putInt(bytes.length).array()); // "ab","c" is not "a","bc"
            digest.update(bytes);
            read.add(d);
        }
        return Sha256.hex(digest);
    }

}
