package dev.graft.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.io.FileModes;
import dev.graft.model.AtomicFiles;
import dev.graft.model.JsonFiles;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The teacher's outputs on disk, one file per fixed batch ({@code batch-0000042.bin}, {@code valid-0003.bin}),
 * so that a run of more than one epoch, or a resumed one, does not run the teacher again on a batch it has
 * seen. Batches are fixed for the whole run ({@link DistillationData}), so a cached batch holds exactly the
 * floats the teacher would compute again: caching does not change the student. Each file is written to a
 * temporary name and renamed, so an interrupted run never leaves half a file. {@code cache.json} records what
 * the outputs depend on (teacher, data, loss); a cache written for other settings is an error, not reused.
 */
public final class TeacherCache {
    /** The file that says what the cache was made for. */
    public static final String KEY_FILE = "cache.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path folder;
    private long hits;
    private long misses;
    private long bytesWritten;

    private TeacherCache(Path folder) {
        this.folder = folder;
    }

    /**
     * Opens (creating) the cache in {@code folder} for outputs that depend on {@code key}; a folder holding a
     * cache made for another key is an error naming the differing setting.
     */
    public static TeacherCache open(Path folder, ObjectNode key) throws IOException {
        Files.createDirectories(folder);
        Path keyFile = folder.resolve(KEY_FILE);
        if (Files.exists(keyFile)) {
            JsonNode old = JSON.readTree(Files.readString(keyFile));
            var names = key.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!String.valueOf(key.get(name)).equals(String.valueOf(old.get(name)))) { // as text: 5 and 5L agree
                    throw new IllegalArgumentException(folder + ": this teacher cache was made with " + name + " = "
                            + old.get(name) + ", not " + key.get(name) + "; delete the folder (it is rebuilt) or "
                            + "run with the settings it was made for");
                }
            }
        } else {
            JsonFiles.write(keyFile, key);
        }
        return new TeacherCache(folder);
    }

    private Path file(int batch, boolean validation) {
        return folder.resolve(validation ? String.format(Locale.ROOT, "valid-%04d.bin", batch)
                : String.format(Locale.ROOT, "batch-%07d.bin", batch));
    }

    /** The cached outputs of a batch, or null when it is not cached yet. */
    public TeacherOutputs get(int batch, boolean validation) throws IOException {
        Path f = file(batch, validation);
        if (!Files.exists(f)) {
            misses++;
            return null;
        }
        hits++;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(f), 1 << 16))) {
            return TeacherOutputs.read(in, f.toString());
        }
    }

    /** Stores a batch's outputs. */
    public void put(int batch, boolean validation, TeacherOutputs outputs) throws IOException {
        Path f = file(batch, validation);
        Path tmp = FileModes.createTempFile(folder, "." + f.getFileName(), ".tmp");
        try {
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp),
                    1 << 16))) {
                outputs.write(out);
            }
            AtomicFiles.move(tmp, f);
            bytesWritten += outputs.bytes();
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public Path folder() {
        return folder;
    }

    /**
     * What the cache did so far.
     *
     * @param hits         batches read from the cache
     * @param misses       batches looked up and not found (then computed and stored)
     * @param bytesWritten bytes of the outputs stored
     */
    public record Counts(long hits, long misses, long bytesWritten) {
    }

    /** What the cache did so far. */
    public Counts counts() {
        return new Counts(hits, misses, bytesWritten);
    }
}
