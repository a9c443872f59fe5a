package dev.graft.tensor;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParallelTest {
    private static Parallel three;

    @BeforeAll
    static void setUp() {
        three = new Parallel(3);
    }

    @AfterAll
    static void tearDown() {
        three.close();
    }

    /** Every index in [0, n) covered exactly once, by ranges no smaller than the grain (but the whole when n is smaller). */
    private static void assertCoversOnce(int n, int grain, List<int[]> ranges, AtomicIntegerArray hits) {
        for (int i = 0; i < n; i++) {
            assertThat(hits.get(i)).as("index %d of %d", i, n).isEqualTo(1);
        }
        for (int[] r : ranges) {
            assertThat(r[1] - r[0]).as("range %d..%d of %d, grain %d", r[0], r[1], n, grain)
                    .isGreaterThanOrEqualTo(Math.min(grain, n));
        }
    }

    @Test
    void forRangeAndForRangeDynamicCoverEveryIndexOnce() {
        for (int n : new int[] {1, 2, 7, 37, 145, 1000}) {
            for (int grain : new int[] {1, 2, 5, 64}) {
                for (int mode = 0; mode < 2; mode++) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    List<int[]> ranges = Collections.synchronizedList(new ArrayList<>());
                    Parallel.RangeBody body = (s, e) -> {
                        ranges.add(new int[] {s, e});
                        for (int i = s; i < e; i++) {
                            hits.incrementAndGet(i);
                        }
                    };
                    if (mode == 0) {
                        three.forRange(n, grain, body);
                    } else {
                        three.forRangeDynamic(n, grain, 4, body);
                    }
                    assertCoversOnce(n, grain, ranges, hits);
                    int most = mode == 0 ? 3 : 12;
                    assertThat(ranges.size()).as("pieces for n %d grain %d mode %d", n, grain, mode)
                            .isBetween(1, Math.min(most, Math.max(1, n / grain)));
                }
            }
        }
    }

    @Test
    void forRangeDynamicHandsPiecesToWhicheverThreadIsFree() {
        // the caller's first piece (whichever it is: a worker may start first) sleeps: the workers
        // take the remaining pieces meanwhile
        List<String> runners = Collections.synchronizedList(new ArrayList<>());
        Thread caller = Thread.currentThread();
        java.util.concurrent.atomic.AtomicBoolean callerStarted = new java.util.concurrent.atomic.AtomicBoolean();
        three.forRangeDynamic(12, 1, 4, (s, e) -> {
            boolean byCaller = Thread.currentThread() == caller;
            runners.add(byCaller ? "caller" : "worker");
            if (byCaller && !callerStarted.getAndSet(true)) {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        assertThat(runners).hasSize(12);
        assertThat(runners.stream().filter("worker"::equals).count()).isGreaterThanOrEqualTo(10);
    }

    @Test
    void eachParticipantIndexBelongsToOneThreadForTheWholeCall() {
        for (int round = 0; round < 20; round++) {
            java.util.Map<Integer, java.util.Set<Thread>> threadsOf = new java.util.concurrent.ConcurrentHashMap<>();
            AtomicIntegerArray hits = new AtomicIntegerArray(301);
            three.forRangeDynamic(301, 1, 4, (participant, s, e) -> {
                assertThat(participant).isBetween(0, 2);
                threadsOf.computeIfAbsent(participant, k -> java.util.concurrent.ConcurrentHashMap.newKeySet())
                        .add(Thread.currentThread());
                for (int i = s; i < e; i++) {
                    hits.incrementAndGet(i);
                }
            });
            threadsOf.forEach((participant, set) -> assertThat(set).as("threads of participant %d", participant)
                    .hasSize(1));
            for (int i = 0; i < 301; i++) {
                assertThat(hits.get(i)).isEqualTo(1);
            }
        }
    }

    @Test
    void aFailureInAnyPieceReachesTheCallerAndNestedCallsRunInline() {
        assertThatThrownBy(() -> three.forRangeDynamic(100, 1, 4, (s, e) -> {
            if (s <= 77 && 77 < e) {
                throw new IllegalStateException("piece with 77");
            }
        })).isInstanceOf(IllegalStateException.class).hasMessage("piece with 77");
        // the pool still works afterwards, and a nested call runs on the thread that makes it
        AtomicIntegerArray hits = new AtomicIntegerArray(50);
        three.forRangeDynamic(10, 1, 2, (s, e) -> {
            Thread outer = Thread.currentThread();
            three.forRangeDynamic(5, 1, 4, (s2, e2) -> {
                assertThat(Thread.currentThread()).isSameAs(outer);
                for (int j = s2; j < e2; j++) {
                    for (int i = s; i < e; i++) {
                        hits.incrementAndGet(i * 5 + j);
                    }
                }
            });
        });
        for (int i = 0; i < 50; i++) {
            assertThat(hits.get(i)).isEqualTo(1);
        }
    }

    /**
     * The caller waits for every worker's chunk whether the chunk ends within its spin (it never parks) or
     * long after (it parks and the last worker wakes it); twenty thousand short regions in a row lose no
     * wake-up (a lost one would hang here).
     */
    @Test
    void theCallerWaitsForEveryChunkShortOrLong() {
        int[] seen = new int[3];
        three.forRange(3, 1, (s, e) -> {
            if (s == 2) {
                try {
                    Thread.sleep(60); // far past the spin: the caller parks
                } catch (InterruptedException ex) {
                    throw new IllegalStateException(ex);
                }
            }
            seen[s] = s + 1;
        });
        assertThat(seen).containsExactly(1, 2, 3);
        long[] sum = new long[3];
        for (int r = 0; r < 20_000; r++) {
            int round = r;
            three.forRange(3, 1, (s, e) -> sum[s] += round % 7);
        }
        long expected = 0;
        for (int r = 0; r < 20_000; r++) {
            expected += r % 7;
        }
        assertThat(sum).containsExactly(expected, expected, expected);

        Parallel.Latch latch = new Parallel.Latch(1);
        Thread late = new Thread(() -> {
            try {
                Thread.sleep(40);
            } catch (InterruptedException ex) {
                return;
            }
            latch.countDown();
        });
        long t0 = System.nanoTime();
        late.start();
        latch.await();
        assertThat(System.nanoTime() - t0).as("await returned only after the count-down").isGreaterThan(30_000_000L);
    }
}
