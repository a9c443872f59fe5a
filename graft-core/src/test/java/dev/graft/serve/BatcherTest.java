package dev.graft.serve;

import dev.graft.tokenizer.Encoding;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The batcher on a stand-in model (each input's result is its text's length; a text "poison" makes the
 * whole forward pass fail): batches gather queued requests within the token budget, every request gets
 * its own results, and a failing batch fails only the request that broke it.
 */
class BatcherTest {
    /** Records each forward pass's inputs. */
    static final class StandIn extends ServedModel {
        final List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());

        StandIn() {
            super("stand-in", null, null, "none");
        }

        @Override
        Kind kind() {
            return Kind.EMBEDDING;
        }

        @Override
        int maxLength() {
            return 100;
        }

        @Override
        Input input(String text, Encoding encoding, boolean truncated) {
            throw new UnsupportedOperationException();
        }

        @Override
        List<Object> run(List<Input> inputs) {
            List<String> texts = new ArrayList<>();
            for (Input in : inputs) {
                texts.add(in.text());
            }
            batches.add(texts);
            if (texts.contains("poison")) {
                throw new IllegalArgumentException("poisoned input");
            }
            if (texts.contains("crash")) {
                throw new IllegalStateException("the model broke");
            }
            List<Object> out = new ArrayList<>();
            for (String t : texts) {
                out.add(t.length());
            }
            return out;
        }
    }

    static ServedModel.Input input(String text, int tokens) {
        return new ServedModel.Input(text, tokens, false, null, null);
    }

    static void await(java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out").isLessThan(deadline);
            Thread.sleep(2);
        }
    }

    @Test
    void queuedRequestsShareABatchWithinTheTokenBudgetAndKeepTheirOwnResults() throws Exception {
        StandIn model = new StandIn();
        ServeSettings settings = ServeSettings.defaults(1).withBatching(10, 0);
        try (Workers workers = new Workers(1, 1); Batcher b = new Batcher(model, List.of(model::run), settings, new Metrics(),
                workers)) {
            ReentrantReadWriteLock.WriteLock lock = workers.gate().writeLock();
            lock.lock();
            List<CompletableFuture<List<Object>>> futures = new ArrayList<>();
            try {
                futures.add(b.submit(List.of(input("a", 1))));
                await(workers.gate()::hasQueuedThreads); // the first batch waits for the worker
                futures.add(b.submit(List.of(input("bb", 4), input("ccc", 4)))); // 8 tokens
                futures.add(b.submit(List.of(input("dddd", 2)))); // 10: within the budget
                futures.add(b.submit(List.of(input("eeeee", 1)))); // 11: over it, the next batch
                futures.add(b.submit(List.of(input("ffffff", 20)))); // larger than the budget: alone
            } finally {
                lock.unlock();
            }
            assertThat(futures.get(0).get(10, TimeUnit.SECONDS)).containsExactly(1);
            assertThat(futures.get(1).get(10, TimeUnit.SECONDS)).containsExactly(2, 3);
            assertThat(futures.get(2).get(10, TimeUnit.SECONDS)).containsExactly(4);
            assertThat(futures.get(3).get(10, TimeUnit.SECONDS)).containsExactly(5);
            assertThat(futures.get(4).get(10, TimeUnit.SECONDS)).containsExactly(6);
            assertThat(model.batches).containsExactly(List.of("a"), List.of("bb", "ccc", "dddd"), List.of("eeeee"),
                    List.of("ffffff"));
        }
    }

    /**
     * A batch larger than {@link Batcher#ANSWER_CHUNK_TOKENS} runs in pieces in arrival order, each request
     * whole in one piece, and each request gets its own results; one request larger than a piece runs alone.
     */
    @Test
    void aLargeBatchIsComputedAndAnsweredInPieces() throws Exception {
        StandIn model = new StandIn();
        int piece = (int) Batcher.ANSWER_CHUNK_TOKENS;
        try (Workers workers = new Workers(1, 1); Batcher b = new Batcher(model, List.of(model::run),
                ServeSettings.defaults(1).withBatching(100 * piece, 0), new Metrics(), workers)) {
            ReentrantReadWriteLock.WriteLock lock = workers.gate().writeLock();
            lock.lock();
            List<CompletableFuture<List<Object>>> futures = new ArrayList<>();
            try {
                futures.add(b.submit(List.of(input("x", 1))));
                await(workers.gate()::hasQueuedThreads); // the first batch waits for the worker
                futures.add(b.submit(List.of(input("aa", piece / 2))));
                futures.add(b.submit(List.of(input("bbb", piece / 4), input("cccc", piece / 4)))); // fills the piece
                futures.add(b.submit(List.of(input("ddddd", 1)))); // the next piece
                futures.add(b.submit(List.of(input("eeeeee", 2 * piece)))); // larger than a piece: alone
                futures.add(b.submit(List.of(input("fffffff", 3))));
            } finally {
                lock.unlock();
            }
            assertThat(futures.get(0).get(10, TimeUnit.SECONDS)).containsExactly(1);
            assertThat(futures.get(1).get(10, TimeUnit.SECONDS)).containsExactly(2);
            assertThat(futures.get(2).get(10, TimeUnit.SECONDS)).containsExactly(3, 4);
            assertThat(futures.get(3).get(10, TimeUnit.SECONDS)).containsExactly(5);
            assertThat(futures.get(4).get(10, TimeUnit.SECONDS)).containsExactly(6);
            assertThat(futures.get(5).get(10, TimeUnit.SECONDS)).containsExactly(7);
            assertThat(model.batches).containsExactly(List.of("x"), List.of("aa", "bbb", "cccc"), List.of("ddddd"),
                    List.of("eeeeee"), List.of("fffffff"));
        }
    }

    @Test
    void aFailingBatchFailsOnlyTheRequestThatBrokeIt() throws Exception {
        StandIn model = new StandIn();
        try (Workers workers = new Workers(1, 1); Batcher b = new Batcher(model, List.of(model::run),
                ServeSettings.defaults(1).withBatching(1000, 0), new Metrics(), workers)) {
            ReentrantReadWriteLock.WriteLock lock = workers.gate().writeLock();
            lock.lock();
            CompletableFuture<List<Object>> first;
            CompletableFuture<List<Object>> good;
            CompletableFuture<List<Object>> poison;
            CompletableFuture<List<Object>> crash;
            CompletableFuture<List<Object>> alsoGood;
            try {
                first = b.submit(List.of(input("x", 1)));
                await(workers.gate()::hasQueuedThreads);
                good = b.submit(List.of(input("good", 1)));
                poison = b.submit(List.of(input("poison", 1)));
                crash = b.submit(List.of(input("crash", 1)));
                alsoGood = b.submit(List.of(input("fine", 1), input("ok", 1)));
            } finally {
                lock.unlock();
            }
            assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly(1);
            assertThat(good.get(10, TimeUnit.SECONDS)).containsExactly(4);
            assertThat(alsoGood.get(10, TimeUnit.SECONDS)).containsExactly(4, 2);
            assertThatThrownBy(() -> poison.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(ApiError.class).hasMessageContaining("poisoned input")
                    .extracting(e -> ((ApiError) e).status).isEqualTo(400);
            assertThatThrownBy(() -> crash.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(ApiError.class)
                    .extracting(e -> ((ApiError) e).status).isEqualTo(500);
            // the mixed batch failed, then each request ran alone
            assertThat(model.batches).contains(List.of("good", "poison", "crash", "fine", "ok"), List.of("good"),
                    List.of("poison"), List.of("crash"), List.of("fine", "ok"));
            // and the batcher goes on
            assertThat(b.submit(List.of(input("after", 1))).get(10, TimeUnit.SECONDS)).containsExactly(5);
        }
    }

    @Test
    void aFullQueueAndAClosedOneRefuseAtOnce() throws Exception {
        StandIn model = new StandIn();
        Workers workers = new Workers(1, 1);
        Batcher b = new Batcher(model, List.of(model::run), ServeSettings.defaults(1).withBatching(1000, 0)
                .withLimits(1, 32, 100), new Metrics(), workers);
        ReentrantReadWriteLock.WriteLock lock = workers.gate().writeLock();
        lock.lock();
        CompletableFuture<List<Object>> running;
        CompletableFuture<List<Object>> queued;
        try {
            running = b.submit(List.of(input("a", 1)));
            await(workers.gate()::hasQueuedThreads);
            queued = b.submit(List.of(input("bb", 1)));
            assertThat(b.depth()).isEqualTo(1);
            assertThatThrownBy(() -> b.submit(List.of(input("c", 1)))).isInstanceOf(ApiError.class)
                    .extracting(e -> ((ApiError) e).status).isEqualTo(429);
        } finally {
            lock.unlock();
        }
        b.close(); // lets the queued request finish
        assertThat(running.get(10, TimeUnit.SECONDS)).containsExactly(1);
        assertThat(queued.get(10, TimeUnit.SECONDS)).containsExactly(2);
        assertThatThrownBy(() -> b.submit(List.of(input("late", 1)))).isInstanceOf(ApiError.class)
                .extracting(e -> ((ApiError) e).status).isEqualTo(503);
        workers.close();
    }

    @Test
    void twoWorkersRunTwoBatchesAtOnceEachOnItsOwnRunner() throws Exception {
        StandIn model = new StandIn();
        java.util.concurrent.CountDownLatch bothRunning = new java.util.concurrent.CountDownLatch(2);
        List<Integer> workersUsed = Collections.synchronizedList(new ArrayList<>());
        List<Batcher.Runner> runners = new ArrayList<>();
        for (int worker = 0; worker < 2; worker++) {
            int l = worker;
            runners.add(inputs -> {
                workersUsed.add(l);
                bothRunning.countDown();
                try {
                    // a batch finishes only once the other worker runs one too: one worker alone would time out
                    assertThat(bothRunning.await(10, TimeUnit.SECONDS)).as("a second batch ran meanwhile").isTrue();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return model.run(inputs);
            });
        }
        try (Workers workers = new Workers(2, 2); Batcher b = new Batcher(model, runners,
                ServeSettings.defaults(2).withBatching(1000, 0), new Metrics(), workers)) {
            CompletableFuture<List<Object>> first = b.submit(List.of(input("a", 1)));
            await(() -> workersUsed.size() == 1); // the first batch holds its worker
            CompletableFuture<List<Object>> second = b.submit(List.of(input("bb", 1), input("ccc", 1)));
            assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly(1);
            assertThat(second.get(10, TimeUnit.SECONDS)).containsExactly(2, 3);
            assertThat(workersUsed).containsExactlyInAnyOrder(0, 1);
            assertThat(b.depth()).isZero();
        }
    }
}
