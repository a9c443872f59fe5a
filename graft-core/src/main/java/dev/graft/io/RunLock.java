package dev.graft.io;

import dev.graft.SpecIOException;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * An exclusive lock on a run folder, so that two graft processes never write into one folder at once.
 *
 * <p>The lock is an operating-system lock ({@link FileChannel#tryLock}) on the file {@value #FILE} in
 * the folder, which the system releases when the holding process ends, however it ends ({@code kill
 * -9} included): a lock is never stuck. The file also says who holds it (pid, host, command, since
 * when), for the message the second process prints; it is emptied when the holder finishes cleanly.
 * A file that still names a holder while nobody holds the lock was left by a process that died: it is
 * taken over, and the log says so. The file itself stays (empty): deleting it would let a process
 * that opened it just before lock a file no longer in the folder.
 */
public final class RunLock implements AutoCloseable {
    /** The lock file's name inside the run folder. */
    public static final String FILE = ".graft-lock";
    /** Folders this JVM holds: a second lock on one would be refused by the system only across processes. */
    private static final Set<Path> HELD = new HashSet<>();

    private final Path folder;
    /** The lock, on the channel of the lock file (closed with it). */
    private final FileLock lock;

    private RunLock(Path folder, FileLock lock) {
        this.folder = folder;
        this.lock = lock;
    }

    /** Another process (or this one) holds the folder's lock. */
    public static final class BusyException extends SpecIOException {
        BusyException(String message) {
            super("out", message);
        }
    }

    /**
     * Takes the lock of {@code folder} (which must exist) for {@code command}, or throws
     * {@link BusyException} at once, naming the holder.
     */
    public static RunLock acquire(Path folder, String command, PrintStream log) throws IOException {
        Path key = folder.toAbsolutePath().normalize();
        Path file = folder.resolve(FILE);
        synchronized (HELD) {
            if (HELD.contains(key)) {
                throw busy(folder, command, "this process (pid " + ProcessHandle.current().pid() + ")");
            }
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            if (lock == null) {
                channel.close();
                throw busy(folder, command, holder(file));
            }
            try {
                String previous = read(channel);
                if (!previous.isEmpty()) {
                    log.println("graft: " + folder + ": taking over the lock left by " + previous
                            + ", which is no longer running (it was stopped or crashed)");
                }
                write(channel, holderLine(command));
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            HELD.add(key);
            return new RunLock(key, lock);
        }
    }

    /**
     * Throws {@link BusyException} when a process holds the lock of {@code folder}; writes nothing (the
     * lock is taken and released at once when it is free).
     */
    public static void probe(Path folder, String command) throws IOException {
        Path file = folder.resolve(FILE);
        synchronized (HELD) {
            if (HELD.contains(folder.toAbsolutePath().normalize())) {
                throw busy(folder, command, "this process (pid " + ProcessHandle.current().pid() + ")");
            }
            if (!Files.isRegularFile(file)) {
                return;
            }
            FileLock lock;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                lock = channel.tryLock();
                if (lock != null) {
                    lock.release();
                    return;
                }
            } catch (OverlappingFileLockException e) {
                // held in this JVM through another channel
            }
            throw busy(folder, command, holder(file));
        }
    }

    /** Who holds the lock, from the lock file (the holder writes it just after locking: wait a moment). */
    private static String holder(Path file) throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            String line = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (!line.isEmpty()) {
                return line;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return "another process";
    }

    /** The folder this lock holds. */
    public Path folder() {
        return folder;
    }

    /** Empties the holder line and releases the lock. */
    @Override
    public void close() throws IOException {
        FileChannel channel = lock.channel();
        synchronized (HELD) {
            try {
                if (channel.isOpen() && Files.exists(folder.resolve(FILE))) {
                    channel.truncate(0);
                    channel.force(true);
                }
            } finally {
                try {
                    if (lock.isValid()) {
                        lock.release();
                    }
                } finally {
                    channel.close();
                    HELD.remove(folder);
                }
            }
        }
    }

    private static BusyException busy(Path folder, String command, String holder) {
        return new BusyException(folder + " is in use by " + holder + ": two runs must not write into one folder. "
                + "Wait for that run to finish (or stop it), or give this " + command + " another folder as out");
    }

    private static String holderLine(String command) {
        return "graft " + command + " (pid " + ProcessHandle.current().pid() + " on host " + hostName() + ", since "
                + Instant.now().toString().replaceFirst("\\.\\d+Z$", "Z") + ")";
    }

    /** This machine's name as the locks record it. */
    public static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String read(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(channel.size(), 4096));
        channel.position(0);
        while (buffer.hasRemaining() && channel.read(buffer) > 0) {
            // read the holder line
        }
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
    }

    private static void write(FileChannel channel, String line) throws IOException {
        channel.truncate(0);
        channel.position(0);
        ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            channel.write(b);
        }
        channel.force(true);
    }
}
